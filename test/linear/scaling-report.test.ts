import { REPORT_ENTRY_POINTS } from './entry-points.js';
import { describeScaling } from '../helpers/scaling.js';

describeScaling('report text, forms and machine formats', REPORT_ENTRY_POINTS);
