import path from 'node:path';

export const DEFAULT_CONFIG_PATH = 'config/default.yaml';

/** `--config FILE`, else env INTAKE_CONFIG, else config/default.yaml; relative to the working directory. */
export function configPathFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return path.resolve(flag ?? (env.INTAKE_CONFIG || undefined) ?? DEFAULT_CONFIG_PATH); // INTAKE_CONFIG= (empty) is unset
}
