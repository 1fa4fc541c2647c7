export * from './ping';
export * from './submission';
export * from './review';
