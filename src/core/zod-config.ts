/**
 * zod compiles a parser per object schema with `new Function` on its first use: worth it for a
 * server that parses millions of objects, not for a CLI run that parses a few. Imported first by
 * the CLI's entry, before any schema is built (the choice is read when a schema is created).
 */
import { z } from 'zod';

z.config({ jitless: true });
