import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nextPageUrl, parseLinkHeader } from "./link-header.js";

const PAGE = "https://lms.example/api/lti/courses/1/names_and_roles?limit=2";

describe("the Link header of paged services", () => {
  it("finds rel=next among several links, quoted or not, in any case", () => {
    const h =
      '<https://lms.example/m?page=1>; rel="first", <https://lms.example/m?page=3&x=a,b>; rel="next", <https://lms.example/m?page=9>; rel=last';
    assert.equal(nextPageUrl(h, PAGE), "https://lms.example/m?page=3&x=a,b");
    assert.equal(nextPageUrl('<https://lms.example/n>; REL="NEXT"', PAGE), "https://lms.example/n");
    assert.equal(nextPageUrl("<https://lms.example/n>;rel=next", PAGE), "https://lms.example/n");
  });

  it("reads a rel with several relation types and only the first rel parameter", () => {
    assert.equal(nextPageUrl('<https://lms.example/n>; rel="prev next"', PAGE), "https://lms.example/n");
    assert.deepEqual(parseLinkHeader('<https://a/>; rel="last"; rel="next"'), [
      { target: "https://a/", rels: ["last"] },
    ]);
  });

  it("resolves a relative target against the page's URL", () => {
    assert.equal(nextPageUrl("</api/m?page=2>; rel=next", PAGE), "https://lms.example/api/m?page=2");
  });

  it("means the last page without a header, without a next link, or with a target that is not http(s)", () => {
    assert.equal(nextPageUrl(undefined, PAGE), undefined);
    assert.equal(nextPageUrl("", PAGE), undefined);
    assert.equal(nextPageUrl('<https://lms.example/d?since=1>; rel="differences"', PAGE), undefined);
    assert.equal(nextPageUrl('<javascript:alert(1)>; rel="next"', PAGE), undefined);
    assert.equal(nextPageUrl('garbage, rel="next"', PAGE), undefined);
  });
});
