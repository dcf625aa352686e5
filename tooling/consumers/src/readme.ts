/**
 * README examples, taken from the README at run time, so a case runs what the
 * README says today and not a copy that drifted. A block is chosen by a
 * string it contains; exactly one block of the README must match.
 */

export interface CodeBlock {
  readonly lang: string;
  readonly code: string;
}

/** The fenced code blocks of a markdown text (``` only, as the READMEs use). */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const fence = /^```(\w*)[^\n]*\n([\s\S]*?)^```[ \t]*$/gm;
  for (const match of markdown.matchAll(fence)) {
    blocks.push({ lang: match[1] ?? "", code: match[2] ?? "" });
  }
  return blocks;
}

export function pickBlock(markdown: string, contains: string, where: string): string {
  const matching = codeBlocks(markdown).filter(
    (block) => block.lang === "ts" && block.code.includes(contains),
  );
  if (matching.length !== 1) {
    throw new Error(
      `${where}: expected exactly one \`\`\`ts block containing ${JSON.stringify(contains)}, ` +
        `found ${matching.length}; the README changed: update the case's "contains"`,
    );
  }
  return matching[0]!.code;
}

/**
 * The packages of the README's install line(s): `npm install a b` gives
 * dependencies, `npm install --save-dev c` devDependencies. Comments after `#`
 * are ignored. A README without an install line gives none of either.
 */
export function installLine(markdown: string): {
  dependencies: string[];
  devDependencies: string[];
} {
  const dependencies: string[] = [];
  const devDependencies: string[] = [];
  for (const block of codeBlocks(markdown)) {
    if (block.lang !== "sh") continue;
    for (const raw of block.code.split("\n")) {
      const line = raw.replace(/#.*$/, "").trim();
      const match = /^npm (?:install|i|add)\s+(.*)$/.exec(line);
      if (match === null) continue;
      const words = match[1]!.split(/\s+/).filter((w) => w !== "");
      const dev = words.some((w) => w === "--save-dev" || w === "-D");
      for (const word of words) {
        if (word.startsWith("-")) continue;
        (dev ? devDependencies : dependencies).push(word);
      }
    }
  }
  return { dependencies, devDependencies };
}
