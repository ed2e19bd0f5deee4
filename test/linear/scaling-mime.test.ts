import { MIME_ENTRY_POINTS } from './entry-points.js';
import { describeScaling } from '../helpers/scaling.js';

describeScaling('headers and MIME', MIME_ENTRY_POINTS);
