import type { Rule } from '../../../shared/index.js';
import type { DiffFile } from '../types.js';
import { globMatcher } from '../input/select.js';

/** Path-scoped guidance from the config: sent with the files under `paths` only. */
export interface Instruction {
  paths: string[];
  text: string;
}

interface CompiledRule {
  matchesPath: (path: string) => string | undefined;
  pattern: RegExp | undefined;
}

/** Rules and instructions come from one config per run but are matched against every file: compile once. */
const compiledRules = new WeakMap<Rule, CompiledRule>();
const compiledInstructions = new WeakMap<Instruction, (path: string) => string | undefined>();

function compileRule(rule: Rule): CompiledRule {
  let compiled = compiledRules.get(rule);
  if (!compiled) {
    compiled = {
      matchesPath: globMatcher(rule.files),
      pattern: rule.pattern === undefined ? undefined : new RegExp(rule.pattern),
    };
    compiledRules.set(rule, compiled);
  }
  return compiled;
}

/**
 * The rules that apply to a file: its path matches one of the rule's globs and, when the rule has a
 * content `pattern`, one of the lines the PR adds matches it. A rule about `eval(` is then only sent
 * (and paid for) with files that add an `eval(`, not with every file of the PR.
 */
export function rulesForFile(rules: readonly Rule[], file: DiffFile): Rule[] {
  return rules.filter((rule) => {
    const { matchesPath, pattern } = compileRule(rule);
    if (matchesPath(file.path) === undefined) return false;
    return pattern === undefined || addsMatchingLine(file, pattern);
  });
}

function addsMatchingLine(file: DiffFile, pattern: RegExp): boolean {
  return file.hunks.some((hunk) => hunk.lines.some((line) => line.kind === 'add' && pattern.test(line.text)));
}

/** The instructions whose path globs match a file, in config order. */
export function instructionsForFile<T extends Instruction>(instructions: readonly T[], path: string): T[] {
  return instructions.filter((instruction) => {
    let matches = compiledInstructions.get(instruction);
    if (!matches) {
      matches = globMatcher(instruction.paths);
      compiledInstructions.set(instruction, matches);
    }
    return matches(path) !== undefined;
  });
}
