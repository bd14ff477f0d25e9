/**
 * ES module → module-registry factory: the per-module step of bundle mode.
 *
 * A module's browser-ready code (as per-module mode serves it, with its
 * specifiers already plain ids such as `/src/m1.ts`) becomes the body of an
 * async function of one parameter `__m` (see `client/registry_factory.ts`,
 * which wraps it). Imports become `await __m.import(id)` records, every
 * reference to an imported binding becomes a property read on its record (so
 * bindings stay live and cycles work), exports become getters given to
 * `__m.export`, `import.meta` becomes `__m.meta` and `import()` becomes
 * `__m.dynamicImport()`.
 *
 * The output is made of edits on the original text, spliced once: nothing
 * is generated from the syntax tree, and no newline is added or removed, so
 * every line of the body is the line of the module it came from (stack
 * traces and the module's inline source map stay right; only columns of
 * line 1 move, where the hoisted imports go).
 *
 * The parser is `meriyah` (`server/npm/meriyah.ts`). Measured on the 5000
 * modules of the bench app (type-stripped, with the per-module header and
 * inline source map, 4.3 MB), CPU time of one process on a loaded 2-core
 * machine, first pass / warm passes: meriyah 113–173 / 41–103 ms, acorn
 * 249–307 / 63–204 ms, oxc-parser 0.151 (JSON) ~200–450 ms every pass,
 * oxc-parser raw transfer 208–281 / 95–239 ms. The trailing
 * `//# sourceMappingURL=` comment is not given to the parser.
 *
 * @module
 */

import type { ESTree } from "./npm/meriyah.ts";
import { parseModule } from "./npm/meriyah.ts";
import { BananaError, codeFrame } from "./errors.ts";

/**
 * Names this transform's output format and parser for caches keyed by
 * content (the persistent compile cache): it changes whenever the same input
 * could give a different output.
 *
 * @example
 * ```ts
 * import { REGISTRY_TRANSFORM_VERSION } from "./registry_transform.ts";
 * const key = `${REGISTRY_TRANSFORM_VERSION}\0/src/a.ts\0<code>`;
 * ```
 */
export const REGISTRY_TRANSFORM_VERSION = "registry-transform@8+meriyah@7.4.2";

/** What {@linkcode transformToFactory} returns. */
export interface RegistryTransformResult {
  /**
   * The factory body: strict code for the body of
   * `async function (__m) { … }` (see `wrapFactory` in
   * `client/registry_factory.ts`), with the input's line count.
   */
  code: string;
  /**
   * The module's static imports, in source order, each once: the sources
   * of `import` declarations and of `export … from` re-exports.
   */
  imports: string[];
  /** The string-literal specifiers of its `import()` calls, each once. */
  dynamicImports: string[];
  /**
   * The names it exports itself (`default` included), each once. Names
   * coming through `export * from` are not listed.
   */
  exports: string[];
  /** Whether the module awaits at its top level. */
  hasTopLevelAwait: boolean;
  /**
   * Length of the code's head, the part before the module's own code:
   * `"use strict";`, the exports and the imports (`const __i0 = await
   * __m.import(…);`, nothing else awaits there).
   */
  headLength: number;
}

/** How an imported binding is read: `__i0.render`, or `__i0` for `* as`. */
interface ImportBinding {
  /** The replacement text of a plain reference. */
  read: string;
  /** Whether a call through it must drop the record as receiver. */
  member: boolean;
}

/** One imported module: its `__iN` and the names statements take from it. */
interface ImportRecord {
  name: string;
  names: string[];
}

interface Scope {
  parent: Scope | null;
  /** Names of imported bindings this scope redeclares (usually none). */
  names: Set<string> | null;
  /** Whether `var` declarations land here (function or module scope). */
  isFunction: boolean;
}

/** How a reference is rewritten: `c1` → `__i0.render`. */
const PLAIN = 0;
/** `c1()` → `(0, __i0.render)()`: no record as `this`. */
const CALLEE = 1;
/** `{ c1 }` → `{ c1: __i0.render }`. */
const SHORTHAND = 2;
type RefKind = typeof PLAIN | typeof CALLEE | typeof SHORTHAND;

interface Reference {
  node: ESTree.Identifier;
  scope: Scope;
  kind: RefKind;
  /** Whether it is the first token of an expression statement. */
  first: boolean;
}

type Edit = [start: number, end: number, text: string];

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const SOURCE_MAP_COMMENT = "\n//# sourceMappingURL=";

function start(node: ESTree._Node): number {
  return node.start as number;
}

function end(node: ESTree._Node): number {
  return node.end as number;
}

/** `.name` or `["name"]`: a property access for any export name. */
function propertyAccess(name: string): string {
  return IDENTIFIER.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/** An object literal key for any export name. */
function propertyKey(name: string): string {
  // A `__proto__` key, bare or quoted, would set the prototype instead.
  if (name === "__proto__") return '["__proto__"]';
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

function moduleExportName(node: ESTree.Identifier | ESTree.Literal): string {
  return node.type === "Identifier" ? node.name : String(node.value);
}

/** The newlines of `code[from, to)`, so a blanked range keeps its lines. */
function newlinesIn(code: string, from: number, to: number): string {
  let lines = "";
  for (let i = code.indexOf("\n", from); i !== -1 && i < to;) {
    lines += "\n";
    i = code.indexOf("\n", i + 1);
  }
  return lines;
}

/** The names a binding pattern declares. */
function patternNames(pattern: ESTree.Node, into: string[]): string[] {
  switch (pattern.type) {
    case "Identifier":
      into.push(pattern.name);
      break;
    case "ObjectPattern":
      for (const property of pattern.properties) {
        patternNames(
          property.type === "RestElement" ? property.argument : property.value,
          into,
        );
      }
      break;
    case "ArrayPattern":
      for (const element of pattern.elements) {
        if (element) patternNames(element, into);
      }
      break;
    case "RestElement":
      patternNames(pattern.argument, into);
      break;
    case "AssignmentPattern":
      patternNames(pattern.left, into);
      break;
  }
  return into;
}

function isAnonymousFunctionOrClass(node: ESTree.Node): boolean {
  return node.type === "ArrowFunctionExpression" ||
    ((node.type === "FunctionExpression" || node.type === "ClassExpression") &&
      node.id === null);
}

const EXPORT_DEFAULT = /export(?:\s|\/\*[^]*?\*\/|\/\/[^\n]*\n)*default/y;

/** Index just past the `export default` that starts at `from`. */
function afterExportDefault(code: string, from: number): number {
  EXPORT_DEFAULT.lastIndex = from;
  if (!EXPORT_DEFAULT.test(code)) return from + "export default".length;
  return EXPORT_DEFAULT.lastIndex;
}

/** Index just past `function` and an optional `*` at or after `from`. */
function afterFunctionKeyword(code: string, from: number): number {
  const at = code.indexOf("function", from) + "function".length;
  const star = /^(?:\s|\/\*[^]*?\*\/)*\*/.exec(code.slice(at, at + 64));
  return star ? at + star[0].length : at;
}

/**
 * The syntax error of a module the parser rejects, as the overlay shows it.
 */
function syntaxError(code: string, id: string, err: unknown): BananaError {
  const location = (err as { loc?: ESTree.SourceLocation }).loc;
  const description = (err as { description?: string }).description ??
    (err instanceof Error ? err.message : String(err));
  if (!location) {
    return new BananaError({
      message: `${id}: ${description}`,
      id,
      plugin: "registry",
    });
  }
  const { line, column } = location.start;
  return new BananaError({
    message: `${id}:${line}:${column + 1}: ${description}`,
    id,
    loc: { file: id, line, column },
    frame: codeFrame(code, line, column),
    plugin: "registry",
  });
}

/** The part of `code` to parse: all but a trailing source-map comment. */
function parsedLength(code: string): number {
  const at = code.lastIndexOf(SOURCE_MAP_COMMENT);
  if (at === -1) return code.length;
  const tail = code.slice(at + 1);
  // Only a real last-line comment: not one inside a template or comment.
  if (/[`\n]|\*\//.test(tail.trimEnd())) return code.length;
  return at + 1;
}

function parse(code: string, length: number): ESTree.Program {
  return parseModule(length === code.length ? code : code.slice(0, length), {
    ranges: { start: true, end: true, range: false },
    next: true,
    validateRegex: false,
  });
}

/**
 * Turns one ES module into a module-registry factory body.
 *
 * The first line of the body gets, in this order: `"use strict";`, the
 * module's exports as getters (`__m.export({ render: () => render })`, so
 * a cycle sees them before any import runs), and one record per imported
 * module, in the order the module first names them
 * (`const __i0 = await __m.import("/src/m4.ts", ["render"]);` — with every
 * name its statements take, which the registry checks as linking would —
 * and `__m.exportAll(__i1);` for `export * from`). The import and re-export
 * statements become `;` (their newlines stay). References to imported
 * bindings read their record at the time of use: `c4()` becomes
 * `(0, __i0.render)()` (no record as `this`), `{ c4 }` becomes
 * `{ c4: __i0.render }`; a parameter, variable, function, class or catch
 * binding of the same name in an inner scope is left alone. `export
 * default <expression>` becomes `const __default = <expression>`;
 * `export default function f() {}` and classes keep their declaration.
 *
 * @example Transform a module of the bench app
 * ```ts
 * import { transformToFactory } from "./registry_transform.ts";
 *
 * const result = transformToFactory(
 *   'import { render as c4 } from "/src/m4.ts";\n' +
 *     "export function render() {\n  return c4();\n}\n",
 *   "/src/m1.ts",
 * );
 * // result.code:
 * // "use strict";__m.export({render: () => render});const __i0 = await __m.import("/src/m4.ts", ["render"]);
 * // export function render() {  →  function render() {
 * //   return (0, __i0.render)();
 * // }
 * console.assert(result.imports[0] === "/src/m4.ts");
 * console.assert(result.exports[0] === "render");
 * ```
 *
 * @param code The module's browser-ready JavaScript (no TypeScript, no JSX).
 * @param id The module's id, used in error messages.
 * @returns The factory body and what the module imports and exports.
 * @throws {BananaError} With `plugin: "registry"`, the location and a code
 *   frame, when the code does not parse as an ES module.
 */
export function transformToFactory(
  code: string,
  id: string,
): RegistryTransformResult {
  const length = parsedLength(code);
  let program: ESTree.Program;
  try {
    program = parse(code, length);
  } catch (err) {
    if (length === code.length) throw syntaxError(code, id, err);
    try {
      program = parse(code, code.length);
    } catch (err) {
      throw syntaxError(code, id, err);
    }
  }
  try {
    return new FactoryTransform(code).run(program);
  } catch (err) {
    // Only code nested deeper than the stack gets here (RangeError).
    throw new BananaError({
      message: `${id}: cannot transform for the module registry: ${
        err instanceof Error ? err.message : String(err)
      }`,
      id,
      plugin: "registry",
    });
  }
}

class FactoryTransform {
  readonly code: string;
  readonly edits: Edit[] = [];
  /** The first line's imports and `export *` copies, in source order. */
  readonly hoisted: (string | { source: string; record: ImportRecord })[] = [];
  /** Imported module → its record. */
  readonly records = new Map<string, ImportRecord>();
  readonly imports: string[] = [];
  readonly dynamicImports: string[] = [];
  /** Export name → the expression its getter returns. */
  readonly exports = new Map<string, string>();
  readonly bindings = new Map<string, ImportBinding>();
  readonly references: Reference[] = [];
  readonly moduleScope: Scope = { parent: null, names: null, isFunction: true };
  /** Whether any inner scope redeclares an imported name. */
  shadowed = false;
  /** Depth of functions around the node being visited. */
  functionDepth = 0;
  /** Where the expression statement being visited starts. */
  statementStart = -1;
  hasTopLevelAwait = false;
  /** Extra first-line code after the exports (a default function's name). */
  afterExports = "";
  /** Names of the module's top-level function declarations (hoisted). */
  readonly topLevelFunctions = new Set<string>();
  /**
   * Names the code may assign to anywhere (any scope: counting a shadowed
   * one only keeps an export a getter).
   */
  readonly written = new Set<string>();
  /** A direct `eval` may assign to any binding. */
  directEval = false;

  constructor(code: string) {
    this.code = code;
  }

  run(program: ESTree.Program): RegistryTransformResult {
    if (this.code.startsWith("#!")) {
      // A hashbang is only valid at the very start, where the head goes.
      const eol = this.code.indexOf("\n");
      this.edits.push([0, eol === -1 ? this.code.length : eol, ""]);
    }
    for (const statement of program.body) {
      this.topLevel(statement);
      this.noteTopLevelFunction(statement);
    }
    const scope = this.moduleScope;
    for (const statement of program.body) {
      switch (statement.type) {
        case "ImportDeclaration":
        case "ExportAllDeclaration":
          break;
        case "ExportNamedDeclaration":
          if (statement.declaration) this.visit(statement.declaration, scope);
          break;
        case "ExportDefaultDeclaration":
          this.visit(statement.declaration, scope);
          break;
        default:
          this.visit(statement, scope);
      }
    }
    this.rewriteReferences();
    const { code, headLength } = this.output();
    return {
      code,
      imports: this.imports,
      dynamicImports: this.dynamicImports,
      exports: [...this.exports.keys()],
      hasTopLevelAwait: this.hasTopLevelAwait,
      headLength,
    };
  }

  /** Records a top-level function declaration's name (`__default` too). */
  noteTopLevelFunction(statement: ESTree.Node): void {
    const declaration = statement.type === "ExportNamedDeclaration" ||
        statement.type === "ExportDefaultDeclaration"
      ? statement.declaration
      : statement;
    if (declaration?.type !== "FunctionDeclaration") return;
    this.topLevelFunctions.add(
      declaration.id?.name ??
        (statement.type === "ExportDefaultDeclaration" ? "__default" : ""),
    );
  }

  /** Records the names an assignment target (a pattern) writes. */
  noteWritten(target: ESTree.Node): void {
    switch (target.type) {
      case "Identifier":
        this.written.add(target.name);
        break;
      case "ObjectPattern":
        for (const property of target.properties) {
          this.noteWritten(
            property.type === "RestElement"
              ? property.argument
              : property.value,
          );
        }
        break;
      case "ArrayPattern":
        for (const element of target.elements) {
          if (element) this.noteWritten(element);
        }
        break;
      case "RestElement":
        this.noteWritten(target.argument);
        break;
      case "AssignmentPattern":
        this.noteWritten(target.left);
        break;
      case "VariableDeclaration":
        // `var f` may redeclare a function and assign to it.
        if (target.kind === "var") {
          for (const declarator of target.declarations) {
            this.noteWritten(declarator.id);
          }
        }
        break;
    }
  }

  /**
   * True when export `value` (a local name) is a hoisted function that no
   * code assigns to: its value is known before the module runs and never
   * changes, so the namespace holds it as a plain value, which V8 reads
   * far faster than a getter (a 10,000-module tree renders ~3× faster).
   */
  isFixedFunction(value: string): boolean {
    return !this.directEval && this.topLevelFunctions.has(value) &&
      !this.written.has(value);
  }

  output(): { code: string; headLength: number } {
    const code = this.code;
    let head = '"use strict";';
    if (this.exports.size > 0) {
      const getters: string[] = [];
      const values: string[] = [];
      for (const [name, value] of this.exports) {
        if (this.isFixedFunction(value)) {
          values.push(`${propertyKey(name)}: ${value}`);
        } else getters.push(`${propertyKey(name)}: () => ${value}`);
      }
      head += values.length > 0
        ? `__m.export({${getters.join(", ")}}, {${values.join(", ")}});`
        : `__m.export({${getters.join(", ")}});`;
    }
    head += this.afterExports + this.hoistedCode();
    const edits = this.edits.sort((a, b) => a[0] - b[0]);
    let out = head;
    let at = 0;
    for (const [from, to, text] of edits) {
      out += code.slice(at, from) + text;
      at = to;
    }
    return { code: out + code.slice(at), headLength: head.length };
  }

  /**
   * Replaces a statement by `;` and its newlines: the `;` keeps the
   * statements around it apart in code without semicolons
   * (`a = 1\nimport "x"\n(f)()` must not become `a = 1\n\n(f)()`).
   */
  blank(node: ESTree._Node): void {
    this.edits.push([
      start(node),
      end(node),
      ";" + newlinesIn(this.code, start(node), end(node)),
    ]);
  }

  /**
   * The record `__iN` of `source`, imported on the first line where the
   * module first names it: one record per imported module, as one module
   * record serves every import of it. `names` are the exports the
   * statement takes by name; the registry checks they exist, as linking an
   * ES module does.
   */
  record(source: string, names: string[] = []): string {
    let record = this.records.get(source);
    if (!record) {
      record = { name: `__i${this.records.size}`, names: [] };
      this.records.set(source, record);
      this.hoisted.push({ source, record });
      this.imports.push(source);
    }
    for (const name of names) {
      if (!record.names.includes(name)) record.names.push(name);
    }
    return record.name;
  }

  /** The first line's imports (and `export *` copies), in source order. */
  hoistedCode(): string {
    let code = "";
    for (const item of this.hoisted) {
      if (typeof item === "string") {
        code += item;
        continue;
      }
      const { names, name } = item.record;
      const wanted = names.length > 0 ? `, ${JSON.stringify(names)}` : "";
      code += `const ${name} = await __m.import(${
        JSON.stringify(item.source)
      }${wanted});`;
    }
    return code;
  }

  topLevel(statement: ESTree.Program["body"][number]): void {
    switch (statement.type) {
      case "ImportDeclaration": {
        const record = this.record(
          statement.source.value,
          statement.specifiers.flatMap((specifier) =>
            specifier.type === "ImportNamespaceSpecifier"
              ? []
              : specifier.type === "ImportDefaultSpecifier"
              ? ["default"]
              : [moduleExportName(specifier.imported)]
          ),
        );
        for (const specifier of statement.specifiers) {
          const local = specifier.local.name;
          if (specifier.type === "ImportNamespaceSpecifier") {
            this.bindings.set(local, { read: record, member: false });
          } else {
            const imported = specifier.type === "ImportDefaultSpecifier"
              ? "default"
              : moduleExportName(specifier.imported);
            this.bindings.set(local, {
              read: record + propertyAccess(imported),
              member: true,
            });
          }
        }
        this.blank(statement);
        break;
      }
      case "ExportAllDeclaration": {
        const record = this.record(statement.source.value);
        if (statement.exported) {
          this.exports.set(moduleExportName(statement.exported), record);
        } else {
          this.hoisted.push(`__m.exportAll(${record});`);
        }
        this.blank(statement);
        break;
      }
      case "ExportNamedDeclaration":
        this.exportNamed(statement);
        break;
      case "ExportDefaultDeclaration":
        this.exportDefault(statement);
        break;
    }
  }

  exportNamed(statement: ESTree.ExportNamedDeclaration): void {
    const { declaration } = statement;
    if (declaration) {
      // `export const a = 1` → `const a = 1`.
      this.edits.push([
        start(statement),
        start(declaration),
        newlinesIn(this.code, start(statement), start(declaration)),
      ]);
      const names = declaration.type === "VariableDeclaration"
        ? declaration.declarations.flatMap((d) => patternNames(d.id, []))
        : declaration.id
        ? [declaration.id.name]
        : [];
      for (const name of names) this.exports.set(name, name);
      return;
    }
    if (statement.source) {
      const record = this.record(
        statement.source.value,
        statement.specifiers.map((specifier) =>
          moduleExportName(specifier.local)
        ),
      );
      for (const specifier of statement.specifiers) {
        const local = moduleExportName(specifier.local);
        this.exports.set(
          moduleExportName(specifier.exported),
          record + propertyAccess(local),
        );
      }
    } else {
      for (const specifier of statement.specifiers) {
        const local = moduleExportName(specifier.local);
        // `export { c4 }` of an import re-exports its live binding. The
        // record may be imported later in the source: the getter runs late.
        this.exports.set(moduleExportName(specifier.exported), local);
      }
    }
    this.blank(statement);
  }

  exportDefault(statement: ESTree.ExportDefaultDeclaration): void {
    const { declaration } = statement;
    const from = start(statement);
    const to = start(declaration);
    const gap = newlinesIn(this.code, from, to);
    if (
      (declaration.type === "FunctionDeclaration" ||
        declaration.type === "ClassDeclaration") && declaration.id
    ) {
      this.edits.push([from, to, gap]);
      this.exports.set("default", declaration.id.name);
      return;
    }
    this.exports.set("default", "__default");
    if (declaration.type === "FunctionDeclaration") {
      // Hoisted as in a module: `function __default() {}`, named "default".
      this.edits.push([from, to, gap]);
      const at = afterFunctionKeyword(this.code, to);
      this.edits.push([at, at, " __default"]);
      this.afterExports +=
        'Object.defineProperty(__default, "name", { value: "default" });';
      return;
    }
    // An expression may be parenthesized, and its node's range then
    // excludes the parentheses: edit around the keyword and the statement.
    const keywordEnd = afterExportDefault(this.code, from);
    const hasSemicolon = this.code.charCodeAt(end(statement) - 1) === 59; // ;
    const expressionEnd = end(statement) - (hasSemicolon ? 1 : 0);
    const semicolon = hasSemicolon ? "" : ";";
    if (
      declaration.type === "ClassDeclaration" ||
      isAnonymousFunctionOrClass(declaration)
    ) {
      // The property key names the function or class "default", as
      // `export default` does.
      this.edits.push([from, keywordEnd, "const __default = {default:"]);
      this.edits.push([
        expressionEnd,
        expressionEnd,
        `}.default${semicolon}`,
      ]);
      return;
    }
    this.edits.push([from, keywordEnd, "const __default ="]);
    if (semicolon) this.edits.push([expressionEnd, expressionEnd, semicolon]);
  }

  /** The `export` getters and references, once every scope is known. */
  rewriteReferences(): void {
    for (const [name, value] of this.exports) {
      const binding = this.bindings.get(value);
      if (binding) this.exports.set(name, binding.read);
    }
    for (const { node, scope, kind, first } of this.references) {
      const name = node.name;
      if (this.shadowed && this.isShadowed(name, scope)) continue;
      const binding = this.bindings.get(name) as ImportBinding;
      const text = kind === CALLEE && binding.member
        ? (first
          // A statement starting with `(` would continue the previous
          // line in code without semicolons; a leading `0, ` cannot.
          ? `0, (0, ${binding.read})`
          : `(0, ${binding.read})`)
        : kind === SHORTHAND
        ? `${name}: ${binding.read}`
        : binding.read;
      this.edits.push([start(node), end(node), text]);
    }
  }

  isShadowed(name: string, scope: Scope): boolean {
    for (let s: Scope | null = scope; s !== null; s = s.parent) {
      if (s.names?.has(name)) return true;
    }
    return false;
  }

  declare(name: string, scope: Scope): void {
    if (!this.bindings.has(name) || scope === this.moduleScope) return;
    (scope.names ??= new Set()).add(name);
    this.shadowed = true;
  }

  declareVar(name: string, scope: Scope): void {
    let target = scope;
    while (!target.isFunction) target = target.parent as Scope;
    this.declare(name, target);
  }

  reference(node: ESTree.Identifier, scope: Scope, kind: RefKind): void {
    if (this.bindings.has(node.name)) {
      const first = start(node) === this.statementStart;
      this.references.push({ node, scope, kind, first });
    }
  }

  /**
   * Declares the names of a binding pattern in `target` (the scope the
   * declaration belongs to) and visits its default values and computed keys
   * in `scope`.
   */
  declarePattern(
    pattern: ESTree.Node,
    scope: Scope,
    target: Scope,
    isVar: boolean,
  ): void {
    switch (pattern.type) {
      case "Identifier":
        if (isVar) this.declareVar(pattern.name, target);
        else this.declare(pattern.name, target);
        break;
      case "ObjectPattern":
        for (const property of pattern.properties) {
          if (property.type === "RestElement") {
            this.declarePattern(property.argument, scope, target, isVar);
          } else {
            if (property.computed) this.visit(property.key, scope);
            this.declarePattern(property.value, scope, target, isVar);
          }
        }
        break;
      case "ArrayPattern":
        for (const element of pattern.elements) {
          if (element) this.declarePattern(element, scope, target, isVar);
        }
        break;
      case "RestElement":
        this.declarePattern(pattern.argument, scope, target, isVar);
        break;
      case "AssignmentPattern":
        this.declarePattern(pattern.left, scope, target, isVar);
        if (pattern.right) this.visit(pattern.right, scope);
        break;
      default:
        this.visit(pattern, scope);
    }
  }

  visitFunction(
    node:
      | ESTree.FunctionDeclaration
      | ESTree.FunctionExpression
      | ESTree.ArrowFunctionExpression,
    scope: Scope,
  ): void {
    // The parameters' scope, then the body's: a body declaration does not
    // hide an import from the parameters' default values.
    const params: Scope = { parent: scope, names: null, isFunction: true };
    if (node.type === "FunctionExpression" && node.id) {
      this.declare(node.id.name, params);
    }
    this.functionDepth++;
    for (const param of node.params) {
      this.declarePattern(param, params, params, false);
    }
    const body = node.body;
    if (body) {
      const inner: Scope = { parent: params, names: null, isFunction: true };
      if (body.type === "BlockStatement") {
        this.visitStatements(body.body, inner);
      } else this.visit(body, inner);
    }
    this.functionDepth--;
  }

  visitClass(
    node: ESTree.ClassDeclaration | ESTree.ClassExpression,
    scope: Scope,
  ): void {
    if (node.decorators) this.visitAll(node.decorators, scope);
    let inner = scope;
    if (node.id) {
      if (node.type === "ClassDeclaration") this.declare(node.id.name, scope);
      inner = { parent: scope, names: null, isFunction: false };
      this.declare(node.id.name, inner);
    }
    if (node.superClass) this.visit(node.superClass, inner);
    for (const element of node.body.body) {
      switch (element.type) {
        case "MethodDefinition":
          if (element.decorators) this.visitAll(element.decorators, inner);
          if (element.computed && element.key) this.visit(element.key, inner);
          this.visitFunction(element.value, inner);
          break;
        case "PropertyDefinition":
        case "AccessorProperty":
          if (element.decorators) this.visitAll(element.decorators, inner);
          if (element.computed) this.visit(element.key, inner);
          if (element.value) {
            this.functionDepth++;
            this.visit(element.value, inner);
            this.functionDepth--;
          }
          break;
        case "StaticBlock": {
          const block: Scope = { parent: inner, names: null, isFunction: true };
          this.functionDepth++;
          this.visitStatements(element.body, block);
          this.functionDepth--;
          break;
        }
        default:
          this.visit(element, inner);
      }
    }
  }

  visitStatements(statements: ESTree.Node[], scope: Scope): void {
    for (const statement of statements) this.visit(statement, scope);
  }

  visitAll(nodes: readonly (ESTree.Node | null)[], scope: Scope): void {
    for (const node of nodes) if (node) this.visit(node, scope);
  }

  visitProperty(property: ESTree.Property, scope: Scope): void {
    if (property.computed) this.visit(property.key, scope);
    const value = property.value;
    if (property.shorthand) {
      if (value.type === "Identifier") {
        this.reference(value, scope, SHORTHAND);
        return;
      }
      if (
        value.type === "AssignmentPattern" && value.left.type === "Identifier"
      ) {
        // `({ c4 = 1 } = o)`: an assignment target with a default.
        this.reference(value.left, scope, SHORTHAND);
        if (value.right) this.visit(value.right, scope);
        return;
      }
    }
    this.visit(value, scope);
  }

  visit(node: ESTree.Node, scope: Scope): void {
    switch (node.type) {
      case "Identifier":
        this.reference(node, scope, PLAIN);
        break;
      case "Literal":
      case "ThisExpression":
      case "Super":
      case "EmptyStatement":
      case "DebuggerStatement":
      case "BreakStatement":
      case "ContinueStatement":
      case "PrivateIdentifier":
      case "TemplateElement":
        break;
      case "MemberExpression":
        this.visit(node.object, scope);
        if (node.computed) this.visit(node.property, scope);
        break;
      case "CallExpression":
        if (node.callee.type === "Identifier") {
          if (node.callee.name === "eval") this.directEval = true;
          this.reference(node.callee, scope, CALLEE);
        } else {
          this.visit(node.callee, scope);
        }
        this.visitAll(node.arguments, scope);
        break;
      case "TaggedTemplateExpression":
        if (node.tag.type === "Identifier") {
          this.reference(node.tag, scope, CALLEE);
        } else {
          this.visit(node.tag, scope);
        }
        this.visitAll(node.quasi.expressions, scope);
        break;
      case "NewExpression":
        this.visit(node.callee, scope);
        this.visitAll(node.arguments, scope);
        break;
      case "ImportExpression": {
        const at = start(node);
        this.edits.push([at, at + "import".length, "__m.dynamicImport"]);
        const source = node.source;
        const literal = source.type === "Literal" &&
            typeof source.value === "string"
          ? source.value
          : source.type === "TemplateLiteral" && source.expressions.length === 0
          ? source.quasis[0].value.cooked
          : null;
        if (literal != null && !this.dynamicImports.includes(literal)) {
          this.dynamicImports.push(literal);
        }
        this.visit(source, scope);
        if (node.options) this.visit(node.options, scope);
        break;
      }
      case "MetaProperty":
        if (node.meta.name === "import") {
          this.edits.push([start(node), end(node), "__m.meta"]);
        }
        break;
      case "ObjectExpression":
      case "ObjectPattern":
        for (const property of node.properties) {
          if (property.type === "Property") this.visitProperty(property, scope);
          else this.visit(property, scope);
        }
        break;
      case "Property":
        this.visitProperty(node, scope);
        break;
      case "FunctionDeclaration":
        if (node.id) this.declare(node.id.name, scope);
        this.visitFunction(node, scope);
        break;
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        this.visitFunction(node, scope);
        break;
      case "ClassDeclaration":
      case "ClassExpression":
        this.visitClass(node, scope);
        break;
      case "VariableDeclaration": {
        const isVar = node.kind === "var";
        if (isVar) this.noteWritten(node);
        if (node.kind === "await using" && this.functionDepth === 0) {
          this.hasTopLevelAwait = true;
        }
        for (const declarator of node.declarations) {
          this.declarePattern(declarator.id, scope, scope, isVar);
          if (declarator.init) this.visit(declarator.init, scope);
        }
        break;
      }
      case "BlockStatement":
        this.visitStatements(node.body, {
          parent: scope,
          names: null,
          isFunction: false,
        });
        break;
      case "StaticBlock":
        this.visitStatements(node.body, {
          parent: scope,
          names: null,
          isFunction: true,
        });
        break;
      case "ForStatement": {
        const inner: Scope = { parent: scope, names: null, isFunction: false };
        if (node.init) this.visit(node.init, inner);
        if (node.test) this.visit(node.test, inner);
        if (node.update) this.visit(node.update, inner);
        this.visit(node.body, inner);
        break;
      }
      case "ForInStatement":
      case "ForOfStatement": {
        if (
          node.type === "ForOfStatement" && node.await &&
          this.functionDepth === 0
        ) {
          this.hasTopLevelAwait = true;
        }
        const inner: Scope = { parent: scope, names: null, isFunction: false };
        this.noteWritten(node.left);
        this.visit(node.left, inner);
        this.visit(node.right, inner);
        this.visit(node.body, inner);
        break;
      }
      case "SwitchStatement": {
        this.visit(node.discriminant, scope);
        const inner: Scope = { parent: scope, names: null, isFunction: false };
        for (const switchCase of node.cases) {
          if (switchCase.test) this.visit(switchCase.test, inner);
          this.visitStatements(switchCase.consequent, inner);
        }
        break;
      }
      case "CatchClause": {
        const inner: Scope = { parent: scope, names: null, isFunction: false };
        if (node.param) this.declarePattern(node.param, inner, inner, false);
        this.visitStatements(node.body.body, inner);
        break;
      }
      case "TryStatement":
        this.visit(node.block, scope);
        if (node.handler) this.visit(node.handler, scope);
        if (node.finalizer) this.visit(node.finalizer, scope);
        break;
      case "LabeledStatement":
        this.visit(node.body, scope);
        break;
      case "AwaitExpression":
        if (this.functionDepth === 0) this.hasTopLevelAwait = true;
        this.visit(node.argument, scope);
        break;
      case "ExpressionStatement": {
        const saved = this.statementStart;
        this.statementStart = start(node);
        this.visit(node.expression, scope);
        this.statementStart = saved;
        break;
      }
      case "ChainExpression":
      case "ParenthesizedExpression":
      case "Decorator":
        this.visit(node.expression, scope);
        break;
      case "ArrayExpression":
      case "ArrayPattern":
        this.visitAll(node.elements, scope);
        break;
      case "AssignmentExpression":
      case "AssignmentPattern":
        this.noteWritten(node.left);
        this.visit(node.left, scope);
        if (node.right) this.visit(node.right, scope);
        break;
      case "BinaryExpression":
      case "LogicalExpression":
        this.visit(node.left, scope);
        this.visit(node.right, scope);
        break;
      case "ConditionalExpression":
      case "IfStatement":
        this.visit(node.test, scope);
        this.visit(node.consequent, scope);
        if (node.alternate) this.visit(node.alternate, scope);
        break;
      case "WhileStatement":
      case "DoWhileStatement":
        this.visit(node.test, scope);
        this.visit(node.body, scope);
        break;
      case "WithStatement":
        this.visit(node.object, scope);
        this.visit(node.body, scope);
        break;
      case "ReturnStatement":
      case "ThrowStatement":
      case "SpreadElement":
      case "RestElement":
      case "UnaryExpression":
      case "UpdateExpression":
      case "YieldExpression":
        if (node.type === "UpdateExpression") this.noteWritten(node.argument);
        if (node.argument) this.visit(node.argument, scope);
        break;
      case "SequenceExpression":
        this.visitAll(node.expressions, scope);
        break;
      case "TemplateLiteral":
        this.visitAll(node.expressions, scope);
        break;
      default:
        // Module declarations are handled at the top level; JSX and the
        // remaining node kinds never reach here (the input is plain JS).
        break;
    }
  }
}
