// Lint: typescript-eslint's strict, type-checked rules over the TypeScript (flat config). Formatting is
// Prettier's (.prettierrc.json; `npm run format`), checked by `npm run lint` after ESLint. `npm run lint`
// fails on any warning or error; the few one-line disables in the code each say why the rule is wrong there.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // The TypeScript only: the pages, scripts, bin and this file are plain JavaScript outside tsconfig.
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', '.cache/**', 'model/train/**', 'stream-server/pages/**', 'scripts/**', 'bin/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // With noUncheckedIndexedAccess every `xs[i]` is `T | undefined`; `xs[i]!` after a bounds check
      // (the loops over typed arrays and embeddings) is the idiom, and each one is already explicit.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Numbers and booleans print as expected in messages and tables; objects, unknowns and nullish
      // values (which print "[object Object]" or "undefined") are still caught.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowRegExp: true }],
      // `(x) => void f(x)` shorthand callbacks (event handlers, stream listeners) are the code base's
      // style; a void value used anywhere else is still caught.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // A leading underscore marks a binding kept on purpose (`for await (const _ of frames)` counting,
      // an interface's unused parameter); a rest sibling is how an object drops a key (`{ bpm: _, ...rest }`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
);
