// Where a JSON text first goes wrong. V8's JSON.parse messages carry a position only sometimes ("Unexpected
// token ']', ..." has none), and a schema error without a line is no help in a long .avsc file.

/** Offset and reason of the first syntax error in `text`, or undefined when it is valid JSON. */
export function firstJsonError(text: string): { pos: number; message: string } | undefined {
  let i = 0;
  const fail = (message: string): never => {
    throw { pos: i, message };
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`unexpected ${show()}`);
  };
  const show = () => (i >= text.length ? "end of file" : `"${text[i]}"`);
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\") i++;
      else if (text.charCodeAt(i) < 0x20) fail("a line break or control character inside a string");
      i++;
    }
    if (i >= text.length) fail("a string is not closed");
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (!m) fail(`unexpected ${show()}`);
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a double-quoted member name, found ${show()}`);
        string();
        ws();
        if (text[i] !== ":") fail(`expected ":" after a member name, found ${show()}`);
        i++;
        value();
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "}") return void i++;
        fail(`expected "," or "}" after a member, found ${show()}`);
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "]") return void i++;
        fail(`expected "," or "]" after a list item, found ${show()}`);
      }
    }
    if (c === '"') return string();
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return number();
    fail(`expected a value, found ${show()}`);
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`unexpected ${show()} after the end of the schema`);
    return undefined;
  } catch (err) {
    if (typeof err === "object" && err !== null && "pos" in err) return err as { pos: number; message: string };
    throw err;
  }
}
