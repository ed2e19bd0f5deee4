import { TEXT_ENTRY_POINTS } from './entry-points.js';
import { describeScaling } from '../helpers/scaling.js';

describeScaling('armor, addresses, screening, URLs and indicators', TEXT_ENTRY_POINTS);
