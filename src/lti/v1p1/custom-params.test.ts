import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  customLaunchParams,
  customParameterName,
  formatCustomParameterLines,
  parseCustomParameterLines,
} from "./custom-params.js";

describe("custom parameters", () => {
  it("normalises names as vector V5: lower-case, non-alphanumerics to '_'", () => {
    assert.equal(customParameterName("Complex!@#$^*(){}[]KEY"), "custom_complex____________key");
    assert.equal(customParameterName("Chapter-1 Title"), "custom_chapter_1_title");
    assert.equal(customParameterName("café"), "custom_caf_");
  });

  it("expands known substitution variables and passes unknown or unset ones through literally", () => {
    assert.deepEqual(
      customLaunchParams(
        { a: "$User.id", b: "$Person.name.given", c: "$Nope", d: "plain $User.id", e: "$Context.id" },
        { "$User.id": "u1", "$Context.id": undefined },
      ),
      {
        custom_a: "u1",
        custom_b: "$Person.name.given",
        custom_c: "$Nope",
        custom_d: "plain $User.id",
        custom_e: "$Context.id",
      },
    );
  });

  it("parses and formats name=value lines", () => {
    const parsed = parseCustomParameterLines("a=b\r\n\n  spaced name = x=y \nempty=");
    assert.deepEqual(parsed, { a: "b", "spaced name": " x=y ", empty: "" });
    assert.deepEqual(parseCustomParameterLines(formatCustomParameterLines(parsed)), parsed);
  });

  for (const bad of ["novalue", "=x", "a=b\n  \nline three"]) {
    it(`refuses the lines ${JSON.stringify(bad)} with invalid_parameter`, () => {
      assert.throws(() => parseCustomParameterLines(bad), {
        code: "invalid_parameter",
        parameter: "customParameters",
      });
    });
  }
});
