import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import { TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';

/** The language every other falls back to, key by key; its catalog names every key there is. */
export const DEFAULT_LANGUAGE = 'en';

/** Catalogs live beside the templates: `locales/<language>.json` in each template folder. */
export const CATALOG_FOLDER = 'locales';

/** Who reads a destination: the language of its words and dates, and the zone of its clock. */
export interface Reader {
  /** BCP 47, e.g. `ja`, `en-GB` */
  locale: string;
  /** IANA, e.g. Asia/Tokyo */
  timeZone: string;
}

/**
 * A message parsed once, with the names of its arguments: a missing one formats as empty (as 0
 * where it is counted), so a template that leaves one out never fails.
 */
interface ParsedMessage {
  format: IntlMessageFormat;
  variables: readonly string[];
  counted: ReadonlySet<string>;
  /**
   * a message of text and plain `{value}`s only (no plural, no choice), as its pieces: it formats
   * by joining them, as the formatter would, without the formatter's work on every render
   */
  simple?: readonly (string | { name: string })[];
  /** the text of a message without arguments, formatted once */
  constant?: string;
}

/** how many formatted times a reader keeps: one event goes to several sinks, and digests repeat */
const DATES_KEPT = 256;

type Messages = ReadonlyMap<string, ParsedMessage>;

/** What one reader sees: the catalog chain of their locale (theirs, then English) and their dates. */
export class Wording {
  private dateFormat: Intl.DateTimeFormat | undefined;
  private readonly dates = new Map<number | string, string>();
  private readonly resolved = new Map<string, ParsedMessage | null>();

  constructor(
    readonly reader: Reader,
    /** from the reader's own language to English */
    private readonly chain: readonly Messages[],
  ) {}

  /** The message in pieces: its literal text, and the values where it places them (as given). */
  pieces(key: string, values: Record<string, unknown> = {}): unknown[] {
    const message = this.message(key);
    if (!message) return [key];
    if (message.simple) return message.simple.map((piece) => (typeof piece === 'string' ? piece : (values[piece.name] ?? '')));
    const complete: Record<string, unknown> = { ...values };
    for (const name of message.variables) {
      const value = complete[name];
      if (message.counted.has(name)) complete[name] = typeof value === 'number' ? value : Number(value ?? 0) || 0;
      else if (value === undefined || value === null) complete[name] = '';
    }
    return message.format.formatToParts(complete as Record<string, string>).map((part) => part.value);
  }

  /** The message as plain text. */
  text(key: string, values: Record<string, unknown> = {}): string {
    return this.format(key, values, String);
  }

  /** The message with each value written by `show` (a helper's markup kept, text escaped), the literal text as it is. */
  format(key: string, values: Record<string, unknown>, show: (value: unknown) => string): string {
    const message = this.message(key);
    if (message && message.variables.length === 0) return (message.constant ??= this.pieces(key).join(''));
    if (!message?.simple) return this.pieces(key, values).map((piece) => show(piece)).join('');
    let out = '';
    for (const piece of message.simple) out += typeof piece === 'string' ? piece : show(values[piece.name] ?? '');
    return out;
  }

  /** An absolute date and time (a Date, epoch ms or an ISO string), in the reader's locale and zone; '' for no valid time. */
  date(value: Date | number | string): string {
    const key = value instanceof Date ? value.getTime() : value;
    let shown = this.dates.get(key);
    if (shown === undefined) {
      const time = typeof key === 'string' ? Date.parse(key) : key;
      this.dateFormat ??= new Intl.DateTimeFormat(this.reader.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: this.reader.timeZone });
      if (this.dates.size >= DATES_KEPT) this.dates.clear();
      this.dates.set(key, (shown = Number.isNaN(time) ? '' : this.dateFormat.format(time)));
    }
    return shown;
  }

  private message(key: string): ParsedMessage | undefined {
    let message = this.resolved.get(key);
    if (message === undefined) {
      message = this.chain.find((messages) => messages.has(key))?.get(key) ?? null;
      this.resolved.set(key, message);
    }
    return message ?? undefined;
  }
}

/**
 * The message catalogs of every template folder: the bundled ones, and an operator's over them key
 * by key. Read, parsed and checked once per load; a broken or incomplete catalog is a warning (its
 * messages fall back to English), never an error.
 */
export class Catalogs {
  private readonly wordings = new Map<string, Wording>();

  private constructor(
    private readonly languages: ReadonlyMap<string, Messages>,
    readonly warnings: readonly string[],
  ) {}

  static load(folders: readonly string[]): Catalogs {
    const warnings: string[] = [];
    const raw = new Map<string, { file: string; messages: Record<string, string> }[]>();
    for (const folder of folders) {
      for (const { language, file, messages } of readFolder(path.join(folder, CATALOG_FOLDER), warnings)) {
        if (!raw.has(language)) raw.set(language, []);
        raw.get(language)!.push({ file, messages });
      }
    }
    const english = raw.get(DEFAULT_LANGUAGE)?.[0];
    if (!english) throw new Error(`no ${DEFAULT_LANGUAGE}.json catalog in ${folders.join(', ')}`);
    const keys = new Set(Object.keys(english.messages));
    const languages = new Map<string, Messages>();
    for (const [language, files] of raw) languages.set(language, parseLanguage(language, files, keys, warnings));
    return new Catalogs(languages, warnings);
  }

  /** The languages that have a catalog. */
  names(): string[] {
    return [...this.languages.keys()].sort();
  }

  /** Whether a locale has words of its own (`ja-JP` has when `ja` has), rather than English only. */
  speaks(locale: string): boolean {
    return language(locale) === DEFAULT_LANGUAGE || candidates(locale).some((name) => this.languages.has(name));
  }

  /** The keys every catalog must have (those of the bundled English one). */
  keys(): string[] {
    return [...this.languages.get(DEFAULT_LANGUAGE)!.keys()];
  }

  wording(reader: Reader): Wording {
    const id = `${reader.locale}\0${reader.timeZone}`;
    let wording = this.wordings.get(id);
    if (!wording) {
      const chain = [...new Set([...candidates(reader.locale), DEFAULT_LANGUAGE])].flatMap((name) => this.languages.get(name) ?? []);
      this.wordings.set(id, (wording = new Wording(reader, chain)));
    }
    return wording;
  }
}

const language = (locale: string) => locale.split('-')[0]!.toLowerCase();

/** `ja-JP` → `ja-JP`, `ja` */
function candidates(locale: string): string[] {
  return [...new Set([locale, language(locale)])];
}

function readFolder(folder: string, warnings: string[]): { language: string; file: string; messages: Record<string, string> }[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((entry) => entry.endsWith('.json'))
    .sort()
    .flatMap((entry) => {
      const file = path.join(folder, entry);
      try {
        const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('a catalog is one object of "key": "message"');
        const messages = Object.fromEntries(Object.entries(parsed).filter(([, value]) => typeof value === 'string')) as Record<string, string>;
        return [{ language: entry.slice(0, -5), file, messages }];
      } catch (error) {
        warnings.push(`${file}: ${(error as Error).message}; the catalog is ignored`);
        return [];
      }
    });
}

/** One language's files (bundled first, the operator's over it), each message parsed and checked. */
function parseLanguage(name: string, files: { file: string; messages: Record<string, string> }[], keys: ReadonlySet<string>, warnings: string[]): Messages {
  const parsed = new Map<string, ParsedMessage>();
  for (const { file, messages } of files) {
    for (const [key, source] of Object.entries(messages)) {
      if (!keys.has(key)) {
        warnings.push(`${file}: "${key}" is not a message the bridge writes; ignored`);
        continue;
      }
      try {
        const format = new IntlMessageFormat(source, name === DEFAULT_LANGUAGE ? 'en' : name, undefined, { ignoreTag: true });
        const variables = new Map<string, TYPE>();
        variablesOf(format.getAst(), variables);
        const counted = new Set([...variables].filter(([, type]) => type === TYPE.plural || type === TYPE.number).map(([name]) => name));
        parsed.set(key, { format, variables: [...variables.keys()], counted, simple: simplePieces(format.getAst()) });
      } catch (error) {
        warnings.push(`${file}: "${key}": ${(error as Error).message}; the English message is used`);
      }
    }
  }
  const last = files[files.length - 1]!.file;
  const missing = [...keys].filter((key) => !parsed.has(key));
  if (name !== DEFAULT_LANGUAGE && missing.length > 0) {
    warnings.push(`${last}: no message for ${missing.map((key) => `"${key}"`).join(', ')}; the English ones are used`);
  }
  return parsed;
}

function simplePieces(elements: MessageFormatElement[]): ParsedMessage['simple'] {
  const pieces: (string | { name: string })[] = [];
  for (const element of elements) {
    if (element.type === TYPE.literal) pieces.push(element.value);
    else if (element.type === TYPE.argument) pieces.push({ name: element.value });
    else return undefined;
  }
  return pieces;
}

/** every argument of a message, with the kind of its first use (a count, a choice, a value) */
function variablesOf(elements: MessageFormatElement[], into: Map<string, TYPE>): void {
  for (const element of elements) {
    if (element.type === TYPE.literal || element.type === TYPE.pound) continue;
    if (!into.has(element.value)) into.set(element.value, element.type);
    if (element.type === TYPE.plural || element.type === TYPE.select) {
      for (const option of Object.values(element.options)) variablesOf(option.value, into);
    }
  }
}
