/**
 * A real TypeScript type stripper for tests on Node 20 (which lacks `module.stripTypeScriptTypes`), built on
 * the `typescript` devDependency: like Node's, it throws on a syntax error in JavaScript or TypeScript.
 */
import ts from 'typescript';
import type { TypeStripper } from '../../../action/core/findings/suggestion-check.js';

export const typescriptStripper: TypeStripper = (code) => {
  const out = ts.transpileModule(code, {
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  });
  const first = out.diagnostics?.[0];
  if (first !== undefined) throw new SyntaxError(ts.flattenDiagnosticMessageText(first.messageText, '\n'));
  return out.outputText;
};
