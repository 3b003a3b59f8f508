import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The stylesheet's blocks: which selectors sit inside which. Browsers accept nested rules, so a
 * rule left open silently swallows every rule after it; only @-rules may hold others here.
 */
function nestedRules(css: string): string[] {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, '');
  const stack: string[] = [];
  const problems: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{') {
      const head = text.slice(start, i).trim().split(';').pop()?.trim() ?? '';
      const parent = stack[stack.length - 1];
      if (parent !== undefined && !parent.startsWith('@')) problems.push(`"${head}" inside "${parent}"`);
      stack.push(head);
      start = i + 1;
    } else if (ch === '}') {
      if (stack.pop() === undefined) problems.push(`a stray } at ${i}`);
      start = i + 1;
    }
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(' > ')}`);
  return problems;
}

describe('the stylesheet', () => {
  it('closes every rule it opens, and nests rules only in @-rules', () => {
    expect(nestedRules(readFileSync(new URL('./styles.css', import.meta.url), 'utf8'))).toEqual([]);
  });

  it('would catch a rule left open', () => {
    expect(nestedRules('a { color: red;\n b { color: blue; }\n}')).toEqual(['"b" inside "a"']);
  });
});
