import { BlockList, isIPv4 } from 'node:net';
import path from 'node:path';
import { ConfigError } from '../config/config-error.js';
import type { Config } from '../config/schema.js';
import type { RulesFile } from './classify/rules-schema.js';
import { loadRules } from './classify/load-rules.js';
import type { CompiledTemplate } from './forms/compile-template.js';
import { loadTemplates, shippedConfigDir } from './forms/load-templates.js';

/**
 * Everything the extract-report stage knows, read once at start-up: the form templates
 * (shipped config/forms plus the team's `report.templateDirs`), the classification and
 * priority rules, the constituency's networks, and the work limits.
 */
export interface ReportKnowledge {
  forms: CompiledTemplate[];
  keyValue: CompiledTemplate | null;
  rules: RulesFile;
  constituency: BlockList;
  limits: { maxTextBytes: number; maxIndicators: number };
}

/** Problems of the form templates and rules files, for `intake config check` (no cache written). */
export async function reportKnowledgeProblems(config: Config): Promise<string[]> {
  try {
    await loadReportKnowledge(config, { cache: false });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

/** Throws a ConfigError listing every problem of every template and rules file. */
export async function loadReportKnowledge(config: Config, { cache = true } = {}): Promise<ReportKnowledge> {
  const shipped = shippedConfigDir();
  // Parsed YAML is remembered in the archive's state (rebuildable, like everything there).
  const cacheDir = cache ? path.join(config.archive.dir, 'state', 'yaml-cache') : null;
  const { templates, problems } = await loadTemplates([path.join(shipped, 'forms'), ...config.report.templateDirs], cacheDir);
  const rulesFile = config.report.rulesFile ?? path.join(shipped, 'report-rules.yaml');
  const loaded = await loadRules(rulesFile, cacheDir);
  problems.push(...loaded.problems);
  if (problems.length > 0 || !loaded.rules) throw new ConfigError('report templates and rules', problems);
  return {
    forms: templates.filter((t) => t.kind === 'form'),
    keyValue: templates.find((t) => t.kind === 'key-value') ?? null,
    rules: loaded.rules,
    constituency: constituencyList(config.report.constituencyNetworks),
    limits: { maxTextBytes: config.report.maxTextBytes, maxIndicators: config.report.maxIndicators },
  };
}

function constituencyList(networks: string[]): BlockList {
  const list = new BlockList();
  for (const network of networks) {
    const [address = '', prefix] = network.split('/');
    const family = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}
