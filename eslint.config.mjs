// ESLint flat config with typescript-eslint.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'test-artifacts/**', '**/*.d.ts', 'lessons/**/solution/**', 'lessons/**/starter/**', 'lessons/**/wrong/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // The engine is pure TypeScript: usable from the extension, the CLI and plain Node.
    files: ['src/engine/**/*.ts', 'src/lessons/**/*.ts', 'src/diagram/**/*.ts', 'src/sandbox/**/*.ts', 'src/export/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/engine, src/lessons, src/diagram, src/sandbox and src/export never import vscode; put VS Code code in src/vscode/.' }] }] },
  },
  { files: ['src/webview/**/*.ts'], languageOptions: { globals: globals.browser } },
  { files: ['**/*.mjs', '**/*.js', 'scripts/**', 'test/harness/**', 'test/ui/**', 'bench/**'], languageOptions: { globals: { ...globals.node } } },
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
