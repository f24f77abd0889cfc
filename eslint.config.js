import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

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
  {
    files: ["**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
