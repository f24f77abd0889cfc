// Original file: records.proto


export interface RttStats {
  'lastMs'?: (number | string);
  'minMs'?: (number | string);
  'avgMs'?: (number | string);
  'maxMs'?: (number | string);
  'stddevMs'?: (number | string);
}

export interface RttStats__Output {
  'lastMs': (number);
  'minMs': (number);
  'avgMs': (number);
  'maxMs': (number);
  'stddevMs': (number);
}
