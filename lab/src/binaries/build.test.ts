import { describe, expect, it } from "vitest";
import { parseStagingModules } from "./build.js";

describe("parseStagingModules", () => {
  it("lists the staging replaces of k8s.io/kubernetes's go.mod, once each, sorted", () => {
    const goMod = [
      "module k8s.io/kubernetes",
      "require k8s.io/api v0.0.0",
      "replace (",
      "\tk8s.io/client-go => ./staging/src/k8s.io/client-go",
      "\tk8s.io/api => ./staging/src/k8s.io/api",
      "\tk8s.io/api => ./staging/src/k8s.io/api",
      "\tgithub.com/x/y => github.com/x/z v1.0.0",
      ")",
    ].join("\n");
    expect(parseStagingModules(goMod)).toEqual(["k8s.io/api", "k8s.io/client-go"]);
  });

  it("finds nothing in a go.mod without staging replaces", () => {
    expect(parseStagingModules("module x\n\ngo 1.24\n")).toEqual([]);
  });
});
