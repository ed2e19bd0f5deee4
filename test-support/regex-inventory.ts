import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * Every regular expression written in src/: literals and `new RegExp('…')` with a literal
 * pattern, with file and line. The linear audit (test/linear/regex-audit.test.ts) checks
 * each with recheck; docs/research/linear-audit.md is the written record.
 */
export interface RegexSite {
  file: string;
  line: number;
  source: string;
  flags: string;
  /** The source line, trimmed, to recognise the site in the allowlist. */
  text: string;
}

export function regexInventory(root: string): RegexSite[] {
  const sites: RegexSite[] = [];
  for (const file of tsFiles(path.join(root, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const lines = text.split('\n');
    const add = (node: ts.Node, pattern: string, flags: string) => {
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      sites.push({ file: path.relative(root, file), line, source: pattern, flags, text: (lines[line - 1] ?? '').trim() });
    };
    const visit = (node: ts.Node): void => {
      if (ts.isRegularExpressionLiteral(node)) {
        const literal = node.text;
        const end = literal.lastIndexOf('/');
        add(node, literal.slice(1, end), literal.slice(end + 1));
      } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'RegExp') {
        const [pattern, flags] = node.arguments ?? [];
        if (pattern && (ts.isStringLiteral(pattern) || ts.isNoSubstitutionTemplateLiteral(pattern))) {
          add(node, pattern.text, flags && ts.isStringLiteral(flags) ? flags.text : '');
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return sites;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}
