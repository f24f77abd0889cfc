// Original file: admin.proto


export interface GetConnectionMatrixRequest {
}

export interface GetConnectionMatrixRequest__Output {
}
