export * from './layout.ts';
export * from './rchan.ts';
export * from './relay.ts';
export * from './relayFile.ts';
export * from './versions.ts';
export * from './shared.ts';
