/** Assembly errors: every one carries the 1-based line and column it is about. */

export interface SourcePos {
  readonly line: number;
  readonly column: number;
}

export class AsmError extends Error {
  override readonly name = 'AsmError';
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
    /** The file the error is in, once `assemble` knows it. */
    readonly file = '<input>',
    /** The text of `line`, once `assemble` knows it. */
    readonly sourceLine = '',
  ) {
    super(message);
  }

  static at(pos: SourcePos, message: string): AsmError {
    return new AsmError(message, pos.line, pos.column);
  }

  /** The same error, told which file and source it came from. */
  withSource(file: string, lines: readonly string[]): AsmError {
    return new AsmError(this.message, this.line, this.column, file, lines[this.line - 1] ?? '');
  }

  /** `file:line:col: message`, then the source line and a caret under the column (compiler style). */
  format(): string {
    const head = `${this.file}:${this.line}:${this.column}: ${this.message}`;
    if (!this.sourceLine) return head;
    // Keep tabs in the caret line so the caret sits under the column in a terminal.
    const pad = this.sourceLine.slice(0, Math.max(0, this.column - 1)).replace(/[^\t]/g, ' ');
    return `${head}\n  ${this.sourceLine}\n  ${pad}^`;
  }
}
