import { aggregateStage } from './aggregate';
import { convertStage } from './convert-currency';
import { copyStage } from './copy';
import { filterStage } from './filter';
import { formulaStage } from './formula';
import { lookupStage } from './lookup';
import { rateStage } from './rate';
import { splitStage } from './split';
import type { CompiledStage, Stage, StageDeps } from './types';
import { vatStage } from './vat';

/** Compiles one parsed stage for one run. Missing dependencies are errors of the caller's wiring or data. */
export function compileStage(stage: Stage, index: number, deps: StageDeps): CompiledStage {
  switch (stage.type) {
    case 'rate':
      return rateStage(stage, index, deps);
    case 'copy':
      return copyStage(stage, index);
    case 'split':
      return splitStage(stage, index);
    case 'formula':
      return formulaStage(stage, index);
    case 'filter':
      return filterStage(stage, index);
    case 'convert-currency':
      return convertStage(stage, index, deps);
    case 'lookup':
      return lookupStage(stage, index, deps);
    case 'vat':
      return vatStage(stage, index, deps);
    case 'aggregate':
      return aggregateStage(stage, index);
  }
}
