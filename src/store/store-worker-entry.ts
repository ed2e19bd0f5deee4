import { enableCompileCache } from '../cli/compile-cache.js';

/**
 * The script the store's thread starts with (store-thread.ts): the module compile cache
 * first (it is per thread, like the sandbox workers' in sandbox/worker-entry.ts), then the
 * store itself.
 */
enableCompileCache();
await import('./store-worker.js');
