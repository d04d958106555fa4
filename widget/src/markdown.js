// The bot's light markdown, parsed into plain data: no HTML is ever produced
// here, so nothing the bot or a user sends can become markup on the page.

// Paragraphs are separated by blank lines; lines starting "N. " form a list.
export function parseBlocks(text) {
  const blocks = [];
  for (const chunk of String(text).split(/\n\s*\n/)) {
    const lines = chunk.split("\n").filter((line) => line.trim());
    if (!lines.length) continue;
    if (lines.every((line) => /^\s*\d+\.\s+/.test(line))) {
      const items = lines.map((line) => line.replace(/^\s*\d+\.\s+/, ""));
      const start = parseInt(lines[0], 10) || 1;
      const previous = blocks[blocks.length - 1];
      if (previous && previous.type === "list" && previous.start + previous.items.length === start) {
        previous.items.push(...items);
      } else {
        blocks.push({ type: "list", start, items });
      }
    } else {
      blocks.push({ type: "paragraph", text: lines.join("\n") });
    }
  }
  return blocks;
}

const SAFE_URL = /^https?:\/\//i;

// **bold** and bare http(s) links; everything else is text.
export function parseInline(text) {
  const parts = [];
  const pattern = /\*\*(.+?)\*\*|(https?:\/\/[^\s<>"')]+[^\s<>"').,;:])/g;
  let last = 0;
  let match;
  while ((match = pattern.exec(text)) !== null) {
    if (match.index > last) parts.push({ type: "text", text: text.slice(last, match.index) });
    if (match[1] !== undefined) parts.push({ type: "strong", text: match[1] });
    else if (SAFE_URL.test(match[2])) parts.push({ type: "link", href: match[2], text: match[2] });
    last = pattern.lastIndex;
  }
  if (last < text.length) parts.push({ type: "text", text: text.slice(last) });
  return parts;
}
