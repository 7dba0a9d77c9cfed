import { LoadOptions, SaveConfig, SaveResult } from './types';
import type { SavableModel } from './model_io';
import type { Compiled } from '../models/training';
import type { Sequential } from '../models/sequential';
export async function saveKeras(_m: SavableModel, _p: string, _c: SaveConfig, _compiled?: Compiled | null): Promise<SaveResult> { throw new Error('todo'); }
export async function loadKeras(_p: string, _o: LoadOptions): Promise<Sequential> { throw new Error('todo'); }
