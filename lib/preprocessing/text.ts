// tn.preprocessing.textVectorization: Keras' TextVectorization layer for outputMode 'int':
// standardize, split, look up in a vocabulary built by adapt(texts), pad or truncate, giving
// int32 token ids ready for an Embedding layer.
//
//   const vectorize = tn.preprocessing.textVectorization({ maxTokens: 10000, outputSequenceLength: 100 });
//   vectorize.adapt(trainTexts);
//   const x = vectorize.apply(trainTexts);        // int32 [n, 100]; 0 is padding, 1 is out-of-vocabulary
//
// It is a preprocessing object, not a layer of a model: tensornode tensors hold numbers, not
// strings, so texts are vectorized before they become tensors (or inside a dataset's map()).
//
// As Keras (keras/src/layers/preprocessing/text_vectorization.py and index_lookup.py):
// - standardize 'lower_and_strip_punctuation' (default) lower-cases ASCII letters (as
//   tf.strings.lower, which leaves other letters alone) and removes the characters
//   !"#$%&()*+,-./:;<=>?@[\]^_`{|}~' ; 'lower', 'strip_punctuation', null, or a function.
// - split 'whitespace' (default: runs of ASCII whitespace, as tf.strings.split), 'character'
//   (Unicode code points), null (the whole text is one token), or a function.
// - The vocabulary is ['', '[UNK]', ...tokens by decreasing count, ties in decreasing
//   code-point order (index_lookup sorts with np.lexsort and reverses)], at most maxTokens long.
// - outputSequenceLength pads with 0 at the end or keeps the first tokens; without it, a batch
//   is padded to its longest text.
import { checkOneOf, checkPositiveInteger, expected } from '../errors';
import { Tensor } from '../tensor';
import { Dataset, isDataset } from '../data/dataset';
import { compareCodePoints } from '../data/images';

export interface TextVectorizationArgs {
  /** Vocabulary size including the padding ('') and out-of-vocabulary ('[UNK]') tokens; default unlimited. */
  maxTokens?: number | null;
  standardize?: 'lower_and_strip_punctuation' | 'lower' | 'strip_punctuation' | null | ((text: string) => string);
  split?: 'whitespace' | 'character' | null | ((text: string) => string[]);
  /** Only 'int' is implemented. */
  outputMode?: 'int';
  /** Pad or truncate every row to this many tokens. */
  outputSequenceLength?: number | null;
  /** A fixed vocabulary instead of adapt() (tokens in index order, without '' and '[UNK]' or starting with them). */
  vocabulary?: string[] | null;
  ngrams?: null;
  padToMaxTokens?: false;
  sparse?: false;
  ragged?: false;
  name?: string;
}

const KEYS = ['maxTokens', 'standardize', 'split', 'outputMode', 'outputSequenceLength', 'vocabulary', 'ngrams', 'padToMaxTokens',
  'sparse', 'ragged', 'name'];

const STRIP = /[!"#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~']/g;
const WHITESPACE = /[ \t\n\r\v\f]+/;
const MASK = '';
const OOV = '[UNK]';

let count = 0;

export class TextVectorization {
  readonly name: string;
  readonly maxTokens: number | null;
  readonly outputSequenceLength: number | null;
  private readonly standardizeMode: TextVectorizationArgs['standardize'];
  private readonly splitMode: TextVectorizationArgs['split'];
  private vocab: string[] = [MASK, OOV];
  private index = new Map<string, number>();

  constructor(args: TextVectorizationArgs = {}) {
    if (args === null || typeof args !== 'object') throw new TypeError(expected('an object of options', 'textVectorization(args)', args));
    for (const key of Object.keys(args)) if (!KEYS.includes(key)) throw new TypeError(`textVectorization: unknown option '${key}' (options: ${KEYS.join(', ')})`);
    const outputMode = args.outputMode ?? 'int';
    if (outputMode !== 'int') {
      checkOneOf(outputMode, 'outputMode', ['int', 'multi_hot', 'count', 'tf_idf'] as const);
      throw new Error(`textVectorization: outputMode '${outputMode}' is not implemented; only 'int' is`);
    }
    for (const key of ['ngrams', 'padToMaxTokens', 'sparse', 'ragged'] as const) {
      const v = args[key];
      if (v !== undefined && v !== null && v !== false) throw new Error(`textVectorization: ${key} is not implemented`);
    }
    this.name = args.name ?? (count++ === 0 ? 'text_vectorization' : `text_vectorization_${count - 1}`);
    this.maxTokens = args.maxTokens === undefined || args.maxTokens === null ? null : checkPositiveInteger(args.maxTokens, 'maxTokens');
    if (this.maxTokens !== null && this.maxTokens < 3) throw new RangeError(expected('an integer >= 3 (it counts the padding and OOV tokens)', 'maxTokens', this.maxTokens));
    this.outputSequenceLength = args.outputSequenceLength === undefined || args.outputSequenceLength === null ? null
      : checkPositiveInteger(args.outputSequenceLength, 'outputSequenceLength');
    const standardize = args.standardize === undefined ? 'lower_and_strip_punctuation' : args.standardize;
    if (standardize !== null && typeof standardize !== 'function') {
      checkOneOf(standardize, 'standardize', ['lower_and_strip_punctuation', 'lower', 'strip_punctuation'] as const);
    }
    this.standardizeMode = standardize;
    const split = args.split === undefined ? 'whitespace' : args.split;
    if (split !== null && typeof split !== 'function') checkOneOf(split, 'split', ['whitespace', 'character'] as const);
    this.splitMode = split;
    if (args.vocabulary !== undefined && args.vocabulary !== null) this.setVocabulary(args.vocabulary);
    else this.rebuildIndex();
  }

  /** Standardizes and splits one text into tokens. */
  tokenize(text: string): string[] {
    if (typeof text !== 'string') throw new TypeError(expected('a string', 'text', text));
    let t = text;
    const s = this.standardizeMode;
    if (s === 'lower' || s === 'lower_and_strip_punctuation') t = t.replace(/[A-Z]+/g, (m) => m.toLowerCase());
    if (s === 'strip_punctuation' || s === 'lower_and_strip_punctuation') t = t.replace(STRIP, '');
    if (typeof s === 'function') {
      t = s(t);
      if (typeof t !== 'string') throw new TypeError(expected('a string', 'the result of standardize', t));
    }
    const sp = this.splitMode;
    if (sp === null) return [t];
    if (sp === 'whitespace') return t.split(WHITESPACE).filter((x) => x.length > 0);
    if (sp === 'character') return Array.from(t);
    const tokens = (sp as (text: string) => string[])(t);
    if (!Array.isArray(tokens) || !tokens.every((x) => typeof x === 'string')) throw new TypeError(expected('an array of strings', 'the result of split', tokens));
    return tokens;
  }

  /**
   * Builds the vocabulary from texts (an array of strings, or a dataset of strings or of
   * arrays of strings; then it returns a promise). Replaces any previous vocabulary.
   */
  adapt(data: string[]): void;
  adapt(data: Dataset<string | string[]>): Promise<void>;
  adapt(data: string[] | Dataset<string | string[]>): void | Promise<void> {
    const counts = new Map<string, number>();
    const add = (text: unknown, where: string): void => {
      if (typeof text !== 'string') throw new TypeError(expected('a string', where, text));
      for (const token of this.tokenize(text)) counts.set(token, (counts.get(token) ?? 0) + 1);
    };
    if (Array.isArray(data)) {
      data.forEach((t, i) => add(t, `texts[${i}]`));
      this.finishAdapt(counts);
      return;
    }
    if (!isDataset(data)) throw new TypeError(expected('an array of strings or a Dataset of strings', 'data', data));
    return (async () => {
      let i = 0;
      for await (const element of data as Dataset<string | string[]>) {
        if (Array.isArray(element)) element.forEach((t, k) => add(t, `dataset element ${i}[${k}]`));
        else add(element, `dataset element ${i}`);
        i++;
      }
      this.finishAdapt(counts);
    })();
  }

  private finishAdapt(counts: Map<string, number>): void {
    counts.delete(MASK);
    counts.delete(OOV);
    const tokens = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || compareCodePoints(b, a));
    const room = this.maxTokens === null ? tokens.length : this.maxTokens - 2;
    this.vocab = [MASK, OOV, ...tokens.slice(0, room)];
    this.rebuildIndex();
  }

  /** Sets the vocabulary (in index order); '' and '[UNK]' are added in front unless it starts with them. */
  setVocabulary(vocabulary: string[]): void {
    if (!Array.isArray(vocabulary) || !vocabulary.every((t) => typeof t === 'string')) {
      throw new TypeError(expected('an array of strings', 'vocabulary', vocabulary));
    }
    let tokens = vocabulary.slice();
    if (tokens[0] === MASK && tokens[1] === OOV) tokens = tokens.slice(2);
    const seen = new Set<string>();
    for (const t of tokens) {
      if (t === MASK || t === OOV) throw new Error(`The vocabulary holds the reserved token '${t}' in a position other than the start`);
      if (seen.has(t)) throw new Error(`The vocabulary holds '${t}' twice`);
      seen.add(t);
    }
    if (this.maxTokens !== null && tokens.length + 2 > this.maxTokens) {
      throw new RangeError(`The vocabulary has ${tokens.length + 2} tokens (with '' and '[UNK]') but maxTokens is ${this.maxTokens}`);
    }
    this.vocab = [MASK, OOV, ...tokens];
    this.rebuildIndex();
  }

  private rebuildIndex(): void {
    this.index = new Map(this.vocab.map((t, i) => [t, i]));
  }

  /** ['', '[UNK]', ...tokens]: token i has id i. */
  getVocabulary(): string[] {
    return this.vocab.slice();
  }

  vocabularySize(): number {
    return this.vocab.length;
  }

  /** Token ids of texts: an int32 tensor [texts.length, length] (one text: [length]). */
  apply(texts: string[] | string): Tensor {
    const single = typeof texts === 'string';
    const list = single ? [texts as string] : texts;
    if (!Array.isArray(list)) throw new TypeError(expected('a string or an array of strings', 'texts', texts));
    const ids = list.map((t, i) => {
      if (typeof t !== 'string') throw new TypeError(expected('a string', `texts[${i}]`, t));
      return this.tokenize(t).map((token) => this.index.get(token) ?? 1);
    });
    const len = this.outputSequenceLength ?? ids.reduce((m, s) => Math.max(m, s.length), 0);
    const out = new Int32Array(list.length * len);
    ids.forEach((s, i) => out.set(s.length > len ? s.slice(0, len) : s, i * len));
    return single ? new Tensor(out, [len], 'int32') : new Tensor(out, [list.length, len], 'int32');
  }

  /** The same as apply (Keras calls the layer). */
  call(texts: string[] | string): Tensor {
    return this.apply(texts);
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name, maxTokens: this.maxTokens, outputMode: 'int', outputSequenceLength: this.outputSequenceLength,
      standardize: typeof this.standardizeMode === 'function' ? 'function' : this.standardizeMode,
      split: typeof this.splitMode === 'function' ? 'function' : this.splitMode,
    };
  }
}

/** tn.preprocessing.textVectorization(args). */
export function textVectorization(args?: TextVectorizationArgs): TextVectorization {
  return new TextVectorization(args);
}
