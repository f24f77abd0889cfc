// Original file: admin.proto


export interface ListClustersRequest {
}

export interface ListClustersRequest__Output {
}
