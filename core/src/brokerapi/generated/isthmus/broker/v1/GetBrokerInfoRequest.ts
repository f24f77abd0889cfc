// Original file: admin.proto


export interface GetBrokerInfoRequest {
}

export interface GetBrokerInfoRequest__Output {
}
