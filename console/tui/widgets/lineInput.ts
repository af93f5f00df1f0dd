/**
 * A one-line editor driven by key names, for the `/` filter, the `:` command
 * line and prompts. Pure: the app shows `text` and feeds it keys.
 */
export type LineInputOutcome = 'edited' | 'submitted' | 'cancelled' | 'ignored';

export class LineInput {
  constructor(public text = '') {}

  key(name: string, ch: string | undefined): LineInputOutcome {
    if (name === 'enter') return 'submitted';
    if (name === 'escape' || name === 'C-c') return 'cancelled';
    if (name === 'backspace') {
      this.text = this.text.slice(0, -1);
      return 'edited';
    }
    if (name === 'C-u') {
      this.text = '';
      return 'edited';
    }
    if (name === 'C-w') {
      this.text = this.text.replace(/\S*\s*$/, '');
      return 'edited';
    }
    if (ch !== undefined && ch.length > 0 && !/[\u0000-\u001f\u007f]/.test(ch)) {
      this.text += ch;
      return 'edited';
    }
    return 'ignored';
  }
}
