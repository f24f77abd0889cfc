// Original file: admin.proto


export interface ListTokensRequest {
}

export interface ListTokensRequest__Output {
}
