export * from './ping';
export * from './onboarding';
export * from './submission';
export * from './review';
export * from './account-email';
export * from './stripe-alert';
export * from './certification';
