/**
 * The identity of this build's code: a SHA-256 of the sources, set by the bundler
 * (scripts/bundle.mjs); null when running from tsc's output or the TypeScript sources.
 * Caches of what this code derived from a file (a validated configuration or form
 * template) are keyed by it beside the file's text: a changed schema never meets a value
 * validated by the old one. Without it nothing validated is cached.
 */
declare const __INTAKE_BUILD_ID__: string | undefined;

export const BUILD_ID: string | null = typeof __INTAKE_BUILD_ID__ === 'string' ? __INTAKE_BUILD_ID__ : null;
