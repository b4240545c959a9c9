import { describe, expect, it } from "vitest";
import { firstJsonError } from "../../src/schema/json-position.ts";

describe("the first JSON syntax error", () => {
  it("is undefined for valid JSON, whatever JSON.parse accepts", () => {
    for (const text of ['{"a": [1, -2.5e3, true, false, null, "x\\"y"]}', "  \"string\" ", "[]", "{}"]) {
      expect(firstJsonError(text), text).toBeUndefined();
      expect(() => JSON.parse(text)).not.toThrow();
    }
  });

  it("points at a trailing comma, a missing comma, an unquoted name and an unclosed string", () => {
    expect(firstJsonError('{"a": [1, 2,]}')).toEqual({ pos: 12, message: 'expected a value, found "]"' });
    expect(firstJsonError('{"a": 1 "b": 2}')).toEqual({ pos: 8, message: 'expected "," or "}" after a member, found """' });
    expect(firstJsonError("{a: 1}")).toEqual({ pos: 1, message: 'expected a double-quoted member name, found "a"' });
    expect(firstJsonError('{"a": "x')!.message).toBe("a string is not closed");
    expect(firstJsonError('{"a": 1}}')!.message).toMatch(/after the end of the schema/);
  });
});
