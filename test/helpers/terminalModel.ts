/**
 * What a terminal shows after a stream of bytes: a small VT100/xterm model
 * (cursor moves, erases, scroll regions, autowrap), enough for what blessed
 * writes. Tests read it to see the screen a person sees, including anything
 * written past blessed's back (which blessed's own buffer cannot show).
 * Colours are not kept: tests here ask which characters are where.
 */
const LINE_DRAWING: Record<string, string> = {
  j: '┘', k: '┐', l: '┌', m: '└', n: '┼', q: '─', t: '├', u: '┤', v: '┴', w: '┬', x: '│', a: '▒', '`': '◆', '~': '·',
};

export class TerminalModel {
  private grid: string[][] = [];
  private x = 0;
  private y = 0;
  private saved = { x: 0, y: 0 };
  private top = 0;
  private bottom = 0;
  private pending = '';
  /** Set after writing into the last column: the next character wraps first (xterm's deferred wrap). */
  private wrapNext = false;
  /** Whether G0 is DEC's line-drawing set (ESC ( 0), as blessed draws borders on xterm. */
  private lineDrawing = false;

  constructor(
    public columns: number,
    public rows: number,
  ) {
    this.grid = Array.from({ length: rows }, () => this.blankRow());
    this.bottom = rows - 1;
  }

  resize(columns: number, rows: number): void {
    // As a terminal does: rows cut or padded on the right and at the bottom.
    this.grid = Array.from({ length: rows }, (_, y) => {
      const row = this.grid[y] ?? [];
      return Array.from({ length: columns }, (_, x) => row[x] ?? ' ');
    });
    this.columns = columns;
    this.rows = rows;
    this.top = 0;
    this.bottom = rows - 1;
    this.x = Math.min(this.x, columns - 1);
    this.y = Math.min(this.y, rows - 1);
    this.wrapNext = false;
  }

  /** The screen, one string per row, trailing spaces kept (columns line up). */
  lines(): string[] {
    return this.grid.map((row) => row.join(''));
  }

  text(): string {
    return this.lines()
      .map((line) => line.replace(/\s+$/, ''))
      .join('\n');
  }

  /** Where a character is shown: [column, row] pairs. */
  find(ch: string): [number, number][] {
    const at: [number, number][] = [];
    this.grid.forEach((row, y) => row.forEach((cell, x) => cell === ch && at.push([x, y])));
    return at;
  }

  write(data: string): void {
    const text = this.pending + data;
    this.pending = '';
    let i = 0;
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === '\x1b') {
        const consumed = this.escape(text, i);
        if (consumed === 0) {
          // An escape split across writes: keep it for the next chunk.
          this.pending = text.slice(i);
          return;
        }
        i += consumed;
        continue;
      }
      i++;
      if (ch === '\r') {
        this.x = 0;
        this.wrapNext = false;
      } else if (ch === '\n' || ch === '\x0b' || ch === '\x0c') this.index();
      else if (ch === '\b') {
        this.x = Math.max(0, this.x - 1);
        this.wrapNext = false;
      } else if (ch === '\t') this.x = Math.min(this.columns - 1, (Math.floor(this.x / 8) + 1) * 8);
      else if (ch === '\x07' || ch === '\x0e' || ch === '\x0f' || ch < ' ') continue;
      else this.put(ch);
    }
  }

  private blankRow(): string[] {
    return Array.from({ length: this.columns }, () => ' ');
  }

  private put(ch: string): void {
    if (this.wrapNext) {
      this.x = 0;
      this.index();
      this.wrapNext = false;
    }
    this.grid[this.y]![this.x] = this.lineDrawing ? (LINE_DRAWING[ch] ?? ch) : ch;
    if (this.x === this.columns - 1) this.wrapNext = true;
    else this.x++;
  }

  private index(): void {
    if (this.y === this.bottom) this.scrollUp(1);
    else this.y = Math.min(this.rows - 1, this.y + 1);
  }

  private scrollUp(count: number): void {
    for (let n = 0; n < count; n++) {
      this.grid.splice(this.top, 1);
      this.grid.splice(this.bottom, 0, this.blankRow());
    }
  }

  private scrollDown(count: number): void {
    for (let n = 0; n < count; n++) {
      this.grid.splice(this.bottom, 1);
      this.grid.splice(this.top, 0, this.blankRow());
    }
  }

  /** Applies the escape sequence at `at`; returns its length, or 0 when it is not complete yet. */
  private escape(text: string, at: number): number {
    const next = text[at + 1];
    if (next === undefined) return 0;
    if (next === '[') {
      const match = /^\x1b\[([?>!]?)([0-9;:]*)([ -/]*)([@-~])/.exec(text.slice(at, at + 64));
      if (!match) return text.length - at < 64 ? 0 : 2;
      this.csi(match[1]!, match[2]!.split(';').map((p) => (p === '' ? NaN : Number(p))), match[4]!);
      return match[0].length;
    }
    if (next === ']' || next === 'P' || next === '_' || next === '^') {
      // OSC/DCS strings end with BEL or ST.
      const end = text.slice(at + 2).search(/\x07|\x1b\\/);
      if (end < 0) return 0;
      return 2 + end + (text[at + 2 + end] === '\x07' ? 1 : 2);
    }
    if (next === '(' || next === ')' || next === '*' || next === '+' || next === '#') {
      if (text.length - at < 3) return 0;
      if (next === '(') this.lineDrawing = text[at + 2] === '0';
      return 3;
    }
    if (next === '7') this.saved = { x: this.x, y: this.y };
    else if (next === '8') {
      this.x = this.saved.x;
      this.y = this.saved.y;
      this.wrapNext = false;
    } else if (next === 'D') this.index();
    else if (next === 'E') {
      this.x = 0;
      this.index();
    } else if (next === 'M') {
      if (this.y === this.top) this.scrollDown(1);
      else this.y = Math.max(0, this.y - 1);
    } else if (next === 'c') {
      this.grid = Array.from({ length: this.rows }, () => this.blankRow());
      this.x = this.y = 0;
    }
    return 2;
  }

  private csi(prefix: string, params: number[], final: string): void {
    const p = (index: number, fallback: number) => (Number.isNaN(params[index] ?? NaN) ? fallback : params[index]!);
    const clampX = (x: number) => Math.max(0, Math.min(this.columns - 1, x));
    const clampY = (y: number) => Math.max(0, Math.min(this.rows - 1, y));
    if (final !== 'm') this.wrapNext = false;
    const row = this.grid[this.y]!;
    switch (final) {
      case 'H':
      case 'f':
        this.y = clampY(p(0, 1) - 1);
        this.x = clampX(p(1, 1) - 1);
        break;
      case 'A':
        this.y = Math.max(this.y >= this.top ? this.top : 0, this.y - Math.max(1, p(0, 1)));
        break;
      case 'B':
        this.y = Math.min(this.y <= this.bottom ? this.bottom : this.rows - 1, this.y + Math.max(1, p(0, 1)));
        break;
      case 'C':
        this.x = clampX(this.x + Math.max(1, p(0, 1)));
        break;
      case 'D':
        this.x = clampX(this.x - Math.max(1, p(0, 1)));
        break;
      case 'G':
      case '`':
        this.x = clampX(p(0, 1) - 1);
        break;
      case 'd':
        this.y = clampY(p(0, 1) - 1);
        break;
      case 'K': {
        const mode = p(0, 0);
        const [from, to] = mode === 0 ? [this.x, this.columns] : mode === 1 ? [0, this.x + 1] : [0, this.columns];
        for (let x = from; x < to; x++) row[x] = ' ';
        break;
      }
      case 'J': {
        const mode = p(0, 0);
        if (mode === 2 || mode === 3) this.grid = Array.from({ length: this.rows }, () => this.blankRow());
        else if (mode === 0) {
          for (let x = this.x; x < this.columns; x++) row[x] = ' ';
          for (let y = this.y + 1; y < this.rows; y++) this.grid[y] = this.blankRow();
        } else {
          for (let x = 0; x <= this.x; x++) row[x] = ' ';
          for (let y = 0; y < this.y; y++) this.grid[y] = this.blankRow();
        }
        break;
      }
      case 'X':
        for (let x = this.x; x < Math.min(this.columns, this.x + Math.max(1, p(0, 1))); x++) row[x] = ' ';
        break;
      case '@':
        for (let n = 0; n < Math.max(1, p(0, 1)); n++) {
          row.splice(this.x, 0, ' ');
          row.length = this.columns;
        }
        break;
      case 'P':
        for (let n = 0; n < Math.max(1, p(0, 1)); n++) {
          row.splice(this.x, 1);
          row.push(' ');
        }
        break;
      case 'L':
      case 'M': {
        if (this.y < this.top || this.y > this.bottom) break;
        const savedTop = this.top;
        this.top = this.y;
        if (final === 'L') this.scrollDown(Math.max(1, p(0, 1)));
        else this.scrollUp(Math.max(1, p(0, 1)));
        this.top = savedTop;
        break;
      }
      case 'S':
        this.scrollUp(Math.max(1, p(0, 1)));
        break;
      case 'T':
        if (prefix === '') this.scrollDown(Math.max(1, p(0, 1)));
        break;
      case 'r':
        if (prefix !== '') break;
        this.top = clampY(p(0, 1) - 1);
        this.bottom = clampY(p(1, this.rows) - 1);
        if (this.bottom <= this.top) {
          this.top = 0;
          this.bottom = this.rows - 1;
        }
        this.x = 0;
        this.y = 0;
        break;
      case 's':
        if (prefix === '') this.saved = { x: this.x, y: this.y };
        break;
      case 'u':
        if (prefix === '') {
          this.x = this.saved.x;
          this.y = this.saved.y;
        }
        break;
      case 'h':
      case 'l':
        // The alternate screen starts blank; other modes (cursor, mouse) do not change what is shown.
        if (prefix === '?' && params.some((n) => n === 1049 || n === 47 || n === 1047)) this.grid = Array.from({ length: this.rows }, () => this.blankRow());
        break;
      default:
        // SGR (m) and the rest change no character on screen.
        break;
    }
  }
}
