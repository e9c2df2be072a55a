/** Types for launcher.js (plain JavaScript, run before dist/ is loaded). */
export declare const TUNABLE: string;
/** Why the command starts directly, or undefined when the launcher starts it again with huge pages. */
export declare function relaunchBlocker(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined;
export declare function absorbDuplicateSignals(): void;
export declare function relaunch(entry: string, argv?: readonly string[], env?: NodeJS.ProcessEnv): Promise<never>;
/** In the started command: absorb duplicate signals; otherwise start the command again on huge pages when nothing stands against it. */
export declare function startOnHugePages(entry: string, argv?: readonly string[], env?: NodeJS.ProcessEnv): Promise<void>;
