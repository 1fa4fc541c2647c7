export * from './ping';
export * from './onboarding';
