// shared/protocol.js: the trainer page's API between the page (web/app.js) and its Worker
// (web/worker/main.js), in one place: every call the page makes (answered with its result,
// or an Error with the worker's message) and every event the worker sends. Types only;
// web/shared/bridge.js carries them.
//
// Everything slow in the worker is cut into pieces of ~50 ms (training chunks, parts of
// an evaluation), each a task of its own, so calls (pause, reset, a new schedule) are
// answered within a fraction of a second. Calls that arrive before the WebAssembly
// module loaded wait for it.
export {};

/** @typedef {import('./run-state.js').RunState} RunState */
/** @typedef {import('../../wasm/makemore.mjs').ModelConfig} ModelConfig */
/** @typedef {import('../../wasm/makemore.mjs').TrainingState} TrainingState */
/** @typedef {import('../../wasm/makemore.mjs').TrainingSettings} TrainingSettings */
/** @typedef {import('../../wasm/makemore.mjs').DataSettings} DataSettings */
/** @typedef {'train'|'val'|'test'} Split */
/** @typedef {Record<Split, number>} SplitLosses */

// ---------------------------------------------------------------- calls

/**
 * @typedef {object} InitRequest
 * @property {string|null} engine 'relaxed' | 'simd-threads' | 'simd' | 'scalar' (the page's ?engine=), null: the fastest this browser runs
 * @property {boolean} [store] false: this worker never keeps its run in IndexedDB (the lab's second lane, web/lab/page.js); default true
 */
/**
 * @typedef {object} InitResult the module loaded (then an 'engine' event)
 * @property {boolean} simd
 * @property {string} engine
 * @property {number} cores the threads a run gets by default: the cores the browser reports, or fewer where that measures faster (web/worker/cores.js)
 * @property {import('../../wasm/makemore.mjs').Schema} schema the core's settings: the form's fields, their limits and defaults
 * @property {Preset[]} presets
 */
/** @typedef {{name: string, doc: string, config: ModelConfig, data: DataSettings, training: TrainingSettings, numParams: number}} Preset numParams: for the current vocabulary (init: 27) */

/** @typedef {{bytes: ArrayBuffer, source: string}} WordsRequest a word list (transferred) and its name; on error the previous list stays */
/**
 * @typedef {object} WordsInfo the word list now in use
 * @property {string} source
 * @property {number} nWords
 * @property {number} nTokens
 * @property {number} distinct different words
 * @property {number} maxLen the longest word, in code points
 * @property {string} longest
 * @property {string[]} vocab each token's text; token 0 is the end token '.'
 * @property {number} vocabSize
 */

/**
 * @typedef {{config: Omit<ModelConfig, 'vocabSize'>, data: DataSettings, batch?: number, vocabSize?: number}} CheckRequest a configuration and
 *   split settings from the form; batch: the batch size the layer list's shapes are for (default 32); vocabSize: the
 *   model's own (a run's; default: the word list's)
 */
/**
 * @typedef {object} CheckResult
 * @property {Preset[]} presets for the current vocabulary
 * @property {number} vocabSize
 * @property {number|null} numParams null: the configuration is impossible
 * @property {string|null} problem why the configuration or the split settings are impossible (the core's message)
 * @property {{words: [number, number, number], examples: [number, number, number]}|null} split of the current word list with these split settings
 * @property {import('../../wasm/makemore.mjs').LayerInfo[]|null} layers the model's layers (output shapes for batch
 *   examples, parameters), the core's mm.layers (given whatever the split settings say); null: see layersProblem
 * @property {number} batch the batch size the layers' shapes are for
 * @property {string|null} layersProblem why the model has no layer list: the core's message (an impossible model)
 */

/**
 * @typedef {object} Schedule the settings a run takes while it trains
 * @property {number} steps
 * @property {number} lr
 * @property {number} lrDecayed
 * @property {number} decayStep
 * @property {number} valEvery validation interval in steps; 0: never
 */
/**
 * A new run (it replaces the current one, which goes on if this one cannot start).
 * @typedef {object} TrainRequest
 * @property {Omit<ModelConfig, 'vocabSize'>} config the schema's model fields
 * @property {DataSettings} data the schema's data fields
 * @property {Record<string, number|bigint>} training the schema's training fields (steps, batchSize, lr, ...)
 * @property {number} valEvery validation interval in steps; 0: never
 * @property {number} threads 0: the cores available
 * @property {boolean} reproducible the reference kernels
 * @property {number} [statsEvery] the training diagnostics every this many steps (makemore part 3; 0 or absent: off)
 */
/** @typedef {Schedule & {runId: number, step: number}} ScheduleResult the schedule as applied, at step */

/** @typedef {{count: number, temperature: number, topK: number, topP: number, prefix: string}} SampleRequest */
/** @typedef {'train'|'val'|'test'|'list'|'new'} Where a sampled name's place: a split, the word list (a model without its split), or new */
/** @typedef {{runId: number, step: number|null, names: {text: string, where: Where}[]}} SampleResult step null: a model without training state */

/** @typedef {{runId: number, step: number, losses: SplitLosses}} EvalResult mean loss over each split, in eval mode */

/** @typedef {{runId: number, bytes: Uint8Array, fileName: string, step: number}} SaveResult the model file (transferred); a checkpoint if it can train */

/** @typedef {{bytes: ArrayBuffer, name: string}} LoadRequest a model file (transferred); it replaces the current run unless it is bad */

/**
 * The calls: name -> (argument) => result.
 * @typedef {object} Calls
 * @property {(a: InitRequest) => InitResult} init loads the module; the first call (the others wait for it)
 * @property {(a: WordsRequest) => void} loadWords parses a word list: it replaces the current one ('words' event, then a 'run' event if a loaded checkpoint can now train)
 * @property {(a: CheckRequest) => CheckResult} check the parameter count and split sizes of a configuration
 * @property {(a: TrainRequest) => void} train a new run, started ('run' event)
 * @property {() => void} pause
 * @property {() => void} resume
 * @property {() => void} reset discards the run ('state' idle)
 * @property {(a: {threads: number}) => void} setThreads threads for training from now on; 0: the cores available
 * @property {(a: Schedule) => ScheduleResult} setSchedule changes the current run's schedule
 * @property {(a: {n: number}) => {runId: number, statsEvery: number}} setStatsEvery the current run's diagnostics every n steps from now on (0: off)
 * @property {(a: SampleRequest) => SampleResult} sample names from the current model
 * @property {() => EvalResult} evaluate the splits' losses now (even while paused)
 * @property {() => SaveResult} save the current model as a file
 * @property {(a: LoadRequest) => void} loadModel a model file replaces the run ('run' event)
 * @property {() => void} restore the last model saved in this browser (IndexedDB), if any ('stored', 'run' events); rejects if it cannot be read as a model
 * @property {() => void} persist saves the current run to IndexedDB now if it changed
 * @property {() => void} forget deletes the model saved in this browser
 */

// ---------------------------------------------------------------- events

/**
 * @typedef {object} EngineEvent the module and its threads: helpers run only while a run trains or evaluates
 * @property {string} label e.g. "relaxed SIMD (fused multiply-add), 2 threads"
 * @property {string} module the module loaded: 'relaxed', 'simd-threads', 'simd' or 'scalar' (build-wasm/makemore-<module>.wasm)
 * @property {string[]} notes why not faster
 * @property {number} threads
 * @property {number} helpers
 */

/**
 * @typedef {object} RunInfo a run to show: new, loaded from a file, restored, or a loaded checkpoint that can now train
 * @property {number} id
 * @property {RunState} state
 * @property {'new'|'file'|'restored'} origin
 * @property {'trainer'|'model'} kind model: sampling only
 * @property {string|null} fileName
 * @property {number|null} savedAt ms since 1970 (restored)
 * @property {string} name preset name or 'custom'
 * @property {ModelConfig} config
 * @property {DataSettings} data how its word list was (or is) split
 * @property {number} numParams
 * @property {(Omit<TrainingState, 'seed'> & {seed: string})|null} training the schedule and settings it was trained with
 * @property {number} steps
 * @property {number} decayStep
 * @property {number} lr
 * @property {number} lrDecayed
 * @property {number} valEvery
 * @property {[number, number, number]|null} splitSizes examples in train, val, test
 * @property {'split'|'list'} labels how sampled names are marked: by split, or by the whole word list
 * @property {string} source the word list's name
 * @property {number} step
 * @property {number} histStart the step where history starts
 * @property {Float32Array|null} history every step's loss from histStart (a restored run)
 * @property {{step: number, loss: number}[]} vals validation points
 * @property {{step: number, losses: SplitLosses}|null} final the last end-of-run evaluation
 * @property {string|null} resumeError why a loaded checkpoint cannot continue training
 */

/** @typedef {{runId: number|null, state: RunState, step: number, message?: string, quiet?: boolean}} StateEvent quiet: the page keeps its status line */
/**
 * @typedef {{runId: number, start: number, losses: Float32Array, step: number, ms: number,
 *   stats?: import('../../wasm/makemore.mjs').Stats[]}} ProgressEvent the losses of steps start.. (transferred); ms inside wasm;
 *   stats: the diagnostics of the statistics steps among them (statsEvery > 0), oldest first
 */
/** @typedef {{runId: number, step: number, loss: number, message?: string}} ValEvent a validation point; NaN with a message if it failed */
/** @typedef {{runId: number, step: number, losses: SplitLosses}} FinalEvalEvent the end-of-run evaluation */
/** @typedef {{runId: number, message: string}} EvalErrorEvent the end-of-run evaluation failed */
/** @typedef {{runId: number, kind: 'val'|'final'|'manual', split: Split, done: number, total: number}} EvalProgressEvent */
/** @typedef {{runId?: number, step: number, name: string, savedAt: number}} StoredEvent a model saved in this browser */

/**
 * The events: name -> data.
 * @typedef {object} Events
 * @property {EngineEvent} engine
 * @property {WordsInfo} words the word list now in use
 * @property {RunInfo} run
 * @property {StateEvent} state
 * @property {ProgressEvent} progress
 * @property {ValEvent} val
 * @property {FinalEvalEvent} finalEval
 * @property {EvalErrorEvent} evalError
 * @property {EvalProgressEvent} evalProgress
 * @property {StoredEvent} stored
 * @property {{message: string}} storeError saving in this browser failed
 */

/** @typedef {import('./bridge.js').Bridge<Calls, Events>} WorkerBridge the page's side */
/** @typedef {import('./bridge.js').Handlers<Calls>} Handlers the worker's side */
/** @typedef {import('./bridge.js').Emit<Events>} Emit */
