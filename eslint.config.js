import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

const noE2e = {
  regex: "^@isthmus/e2e(/|$)|(^|/)e2e(/|$)",
  message: "Product code (cli, lab, core and the agents) must not import the end-to-end suites in e2e/ (docs/architecture.md §1).",
};
const noLab = {
  regex: "^@isthmus/lab(/|$)|(^|/)lab/(src|dist)(/|$)",
  message: "The agents and core must not import the lab: it is a development tool (docs/architecture.md §1).",
};
const noAgents = {
  regex: "^@isthmus/(broker|gateway|dns|cni|cli)(/|$)",
  message: "The lab imports only @isthmus/core: it runs the agents as processes from their entry files, never as libraries (docs/architecture.md §1).",
};

export default tseslint.config(
  // TypeScript only: the few JavaScript files (the CLI shim, benchmark scripts, configs) are not
  // type-checked, so type-aware rules cannot run on them.
  { ignores: ["**/dist/**", "**/node_modules/**", "**/generated/**", "**/*.{js,mjs,cjs}", "vitest.config.ts"] },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "no-restricted-syntax": [
        "error",
        { selector: "TSEnumDeclaration", message: "No enums: use string unions (STYLE.md)." },
        { selector: "ExportDefaultDeclaration", message: "No default exports (STYLE.md)." },
      ],
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // @kubernetes/client-node 1.x models are data-only classes (no methods, no invariants) and
      // its API takes plain objects; this rule would force `Object.assign(new V1Secret(), …)`
      // on every manifest we write (docs/adr/0001-toolchain.md).
      "@typescript-eslint/no-unsafe-class-instance-assignment": "off",
    },
  },
  // Dependency rules (docs/architecture.md §1): the product never imports the end-to-end suites,
  // and the agents never import the lab. `e2e/` may import everything; nothing imports `e2e/`.
  {
    files: ["core/**/*.ts", "broker/**/*.ts", "gateway/**/*.ts", "dns/**/*.ts", "cni/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [noE2e, noLab] }] },
  },
  {
    files: ["lab/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [noE2e, noAgents] }] },
  },
  {
    files: ["cli/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [noE2e] }] },
  },
  {
    files: ["**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
