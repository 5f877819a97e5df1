/**
 * Edits of package.json that keep its formatting: a string value is replaced in place, a missing
 * member is added at the end of its object with the file's indentation and line ending, and every
 * other byte (key order, spacing, trailing newline) stays as it was. Pure.
 */
import { AppError } from '../../domain/errors.js';

interface Span {
  readonly start: number;
  readonly end: number;
}
interface ObjectNode extends Span {
  readonly kind: 'object';
  readonly members: { readonly key: string; readonly value: JsonNode }[];
}
interface OtherNode extends Span {
  readonly kind: 'string' | 'other';
}
type JsonNode = ObjectNode | OtherNode;

function invalid(file: string, at: number, text: string): AppError {
  const line = text.slice(0, at).split('\n').length;
  return new AppError('validation', `${file}:${line}: not valid JSON; fix the file (it must parse with JSON.parse) and run again`);
}

/** A small JSON parser that keeps where each value starts and ends. */
function parseSpans(text: string, file: string): JsonNode {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\r\n\uFEFF'.includes(text[i]!)) i += 1;
  };
  const str = (): string => {
    const start = i;
    i += 1;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) throw invalid(file, start, text);
    i += 1;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): JsonNode => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i += 1;
      const members: { key: string; value: JsonNode }[] = [];
      ws();
      if (text[i] === '}') {
        i += 1;
        return { kind: 'object', start, end: i, members };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw invalid(file, i, text);
        const key = str();
        ws();
        if (text[i] !== ':') throw invalid(file, i, text);
        i += 1;
        members.push({ key, value: value() });
        ws();
        if (text[i] === ',') {
          i += 1;
          continue;
        }
        if (text[i] !== '}') throw invalid(file, i, text);
        i += 1;
        return { kind: 'object', start, end: i, members };
      }
    }
    if (c === '[') {
      i += 1;
      ws();
      if (text[i] === ']') {
        i += 1;
        return { kind: 'other', start, end: i };
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i += 1;
          continue;
        }
        if (text[i] !== ']') throw invalid(file, i, text);
        i += 1;
        return { kind: 'other', start, end: i };
      }
    }
    if (c === '"') {
      str();
      return { kind: 'string', start, end: i };
    }
    const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
    if (!m) throw invalid(file, i, text);
    i += m[0].length;
    return { kind: 'other', start, end: i };
  };
  const root = value();
  ws();
  if (i !== text.length || root.kind !== 'object') throw invalid(file, Math.min(i, text.length), text);
  return root;
}

/** The indentation of one level (the first indented line), default two spaces. */
function indentUnit(text: string): string {
  const m = /\n([ \t]+)"/.exec(text);
  return m ? m[1]! : '  ';
}

/** The leading whitespace of the line holding `offset`. */
function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** `"a": {"b": "v"}` for the path rest ['a', 'b'], formatted at `indent`. */
function memberText(path: readonly string[], value: string, indent: string, unit: string, nl: string): string {
  const [key, ...rest] = path;
  if (rest.length === 0) return `${JSON.stringify(key)}: ${JSON.stringify(value)}`;
  return `${JSON.stringify(key)}: {${nl}${indent}${unit}${memberText(rest, value, indent + unit, unit, nl)}${nl}${indent}}`;
}

/** The string at `path`, or undefined (missing or not a string). */
export function getJsonString(text: string, path: readonly string[], file = 'package.json'): string | undefined {
  let node: JsonNode = parseSpans(text, file);
  for (const key of path) {
    if (node.kind !== 'object') return undefined;
    const member: { key: string; value: JsonNode } | undefined = node.members.find((m) => m.key === key);
    if (!member) return undefined;
    node = member.value;
  }
  return node.kind === 'string' ? (JSON.parse(text.slice(node.start, node.end)) as string) : undefined;
}

/** True when `path` names an object member of any type. */
export function hasJsonPath(text: string, path: readonly string[], file = 'package.json'): boolean {
  let node: JsonNode = parseSpans(text, file);
  for (const key of path) {
    if (node.kind !== 'object') return false;
    const member: { key: string; value: JsonNode } | undefined = node.members.find((m) => m.key === key);
    if (!member) return false;
    node = member.value;
  }
  return true;
}

/**
 * Sets the string at `path` (objects on the way are created), keeping the rest of the text.
 * Throws when a value on the way is not an object.
 *
 * @example
 *   setJsonString('{\n  "dependencies": {\n    "lodash": "4.17.11"\n  }\n}\n', ['dependencies', 'lodash'], '4.17.21')
 *   // '{\n  "dependencies": {\n    "lodash": "4.17.21"\n  }\n}\n'
 */
export function setJsonString(text: string, path: readonly string[], value: string, file = 'package.json'): string {
  if (path.length === 0) throw new AppError('internal', 'setJsonString needs a path');
  let node: JsonNode = parseSpans(text, file);
  for (let depth = 0; depth < path.length; depth++) {
    if (node.kind !== 'object') throw new AppError('validation', `${file}: "${path.slice(0, depth).join('.')}" is not an object; make it one (or remove it) and run again`);
    const obj: ObjectNode = node;
    const member = obj.members.find((m) => m.key === path[depth]);
    if (member && depth === path.length - 1) {
      if (member.value.kind === 'object') throw new AppError('validation', `${file}: "${path.join('.')}" is an object, not a version; edit it by hand`);
      return `${text.slice(0, member.value.start)}${JSON.stringify(value)}${text.slice(member.value.end)}`;
    }
    if (member) {
      node = member.value;
      continue;
    }
    // Insert the rest of the path as a new member at the end of this object.
    const nl = text.includes('\r\n') ? '\r\n' : '\n';
    const unit = indentUnit(text);
    const rest = path.slice(depth);
    const multiline = text.slice(obj.start, obj.end).includes('\n') || obj.members.length === 0;
    if (!multiline) {
      const last = obj.members[obj.members.length - 1]!;
      return `${text.slice(0, last.value.end)}, ${memberText(rest, value, '', '', ' ')}${text.slice(last.value.end)}`;
    }
    const own = lineIndent(text, obj.start);
    const inner = own + unit;
    const member2 = memberText(rest, value, inner, unit, nl);
    if (obj.members.length === 0) return `${text.slice(0, obj.start)}{${nl}${inner}${member2}${nl}${own}}${text.slice(obj.end)}`;
    const last = obj.members[obj.members.length - 1]!;
    return `${text.slice(0, last.value.end)},${nl}${inner}${member2}${text.slice(last.value.end)}`;
  }
  throw new AppError('internal', 'unreachable');
}
