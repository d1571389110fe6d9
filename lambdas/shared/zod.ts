// zod for the Lambda code: `zod/mini`, the same validators and JSON Schema output as full zod in
// a fraction of its bundle, plus the English error messages full zod has by default. Import it as
// `import * as z from '../shared/zod'` (a namespace import keeps esbuild's tree shaking working).
import { config } from 'zod/mini';
import { en } from 'zod/v4/locales';

config(en());

export * from 'zod/mini';
