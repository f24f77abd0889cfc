// Original file: admin.proto

import type { ServiceExport as _isthmus_broker_v1_ServiceExport, ServiceExport__Output as _isthmus_broker_v1_ServiceExport__Output } from '../../../isthmus/broker/v1/ServiceExport.js';

export interface ListExportsResponse {
  'exports'?: (_isthmus_broker_v1_ServiceExport)[];
}

export interface ListExportsResponse__Output {
  'exports': (_isthmus_broker_v1_ServiceExport__Output)[];
}
