// Generated from core/src/brokerapi/proto by `npm run generate -w core`. Do not edit.
import type { INamespace } from "protobufjs";

/** The broker API's .proto files, parsed (protobufjs JSON, camelCase field names). */
export const brokerApiDescriptor = {
  "nested": {
    "isthmus": {
      "nested": {
        "broker": {
          "nested": {
            "v1": {
              "nested": {
                "AgentService": {
                  "methods": {
                    "Join": {
                      "requestType": "JoinRequest",
                      "responseType": "JoinResponse"
                    },
                    "Publish": {
                      "requestType": "PublishRequest",
                      "responseType": "PublishResponse"
                    },
                    "Watch": {
                      "requestType": "WatchRequest",
                      "responseType": "WatchEvent",
                      "responseStream": true
                    }
                  }
                },
                "JoinRequest": {
                  "fields": {
                    "token": {
                      "type": "string",
                      "id": 1
                    },
                    "clusterId": {
                      "type": "string",
                      "id": 2
                    },
                    "csrPem": {
                      "type": "string",
                      "id": 3
                    }
                  }
                },
                "JoinResponse": {
                  "fields": {
                    "clusterId": {
                      "type": "string",
                      "id": 1
                    },
                    "certificatePem": {
                      "type": "string",
                      "id": 2
                    },
                    "caPem": {
                      "type": "string",
                      "id": 3
                    },
                    "notAfter": {
                      "type": "string",
                      "id": 4
                    }
                  }
                },
                "PublishRequest": {
                  "fields": {
                    "kind": {
                      "type": "Kind",
                      "id": 1
                    },
                    "cluster": {
                      "type": "ClusterSpec",
                      "id": 2
                    },
                    "endpoints": {
                      "rule": "repeated",
                      "type": "GatewayEndpoint",
                      "id": 3
                    },
                    "exports": {
                      "rule": "repeated",
                      "type": "ServiceExport",
                      "id": 4
                    },
                    "connections": {
                      "rule": "repeated",
                      "type": "ConnectionStatus",
                      "id": 5
                    },
                    "workloads": {
                      "rule": "repeated",
                      "type": "WorkloadSet",
                      "id": 6
                    }
                  }
                },
                "PublishResponse": {
                  "oneofs": {
                    "_globalCidr": {
                      "oneof": [
                        "globalCidr"
                      ]
                    }
                  },
                  "fields": {
                    "revision": {
                      "type": "int64",
                      "id": 1
                    },
                    "created": {
                      "type": "uint32",
                      "id": 2
                    },
                    "updated": {
                      "type": "uint32",
                      "id": 3
                    },
                    "deleted": {
                      "type": "uint32",
                      "id": 4
                    },
                    "globalCidr": {
                      "type": "string",
                      "id": 5,
                      "options": {
                        "proto3_optional": true
                      }
                    },
                    "unaddressed": {
                      "rule": "repeated",
                      "type": "UnaddressedExport",
                      "id": 6
                    }
                  }
                },
                "UnaddressedExport": {
                  "fields": {
                    "namespace": {
                      "type": "string",
                      "id": 1
                    },
                    "name": {
                      "type": "string",
                      "id": 2
                    },
                    "missing": {
                      "type": "uint32",
                      "id": 3
                    },
                    "message": {
                      "type": "string",
                      "id": 4
                    }
                  }
                },
                "WatchRequest": {
                  "fields": {
                    "kinds": {
                      "rule": "repeated",
                      "type": "Kind",
                      "id": 1
                    },
                    "sinceRevision": {
                      "type": "int64",
                      "id": 2
                    }
                  }
                },
                "WatchEvent": {
                  "oneofs": {
                    "event": {
                      "oneof": [
                        "snapshot",
                        "changes",
                        "heartbeat"
                      ]
                    }
                  },
                  "fields": {
                    "snapshot": {
                      "type": "SnapshotChunk",
                      "id": 1
                    },
                    "changes": {
                      "type": "ChangeBatch",
                      "id": 2
                    },
                    "heartbeat": {
                      "type": "Heartbeat",
                      "id": 3
                    }
                  }
                },
                "SnapshotChunk": {
                  "fields": {
                    "revision": {
                      "type": "int64",
                      "id": 1
                    },
                    "records": {
                      "rule": "repeated",
                      "type": "Record",
                      "id": 2
                    },
                    "last": {
                      "type": "bool",
                      "id": 3
                    },
                    "compacted": {
                      "type": "bool",
                      "id": 4
                    },
                    "reset": {
                      "type": "bool",
                      "id": 5
                    }
                  }
                },
                "ChangeType": {
                  "values": {
                    "CHANGE_TYPE_UNSPECIFIED": 0,
                    "CHANGE_TYPE_PUT": 1,
                    "CHANGE_TYPE_DELETE": 2
                  }
                },
                "Change": {
                  "fields": {
                    "type": {
                      "type": "ChangeType",
                      "id": 1
                    },
                    "kind": {
                      "type": "Kind",
                      "id": 2
                    },
                    "key": {
                      "type": "string",
                      "id": 3
                    },
                    "record": {
                      "type": "Record",
                      "id": 4
                    }
                  }
                },
                "ChangeBatch": {
                  "fields": {
                    "revision": {
                      "type": "int64",
                      "id": 1
                    },
                    "changes": {
                      "rule": "repeated",
                      "type": "Change",
                      "id": 2
                    }
                  }
                },
                "Heartbeat": {
                  "fields": {
                    "revision": {
                      "type": "int64",
                      "id": 1
                    },
                    "serverTime": {
                      "type": "string",
                      "id": 2
                    }
                  }
                },
                "Kind": {
                  "values": {
                    "KIND_UNSPECIFIED": 0,
                    "KIND_CLUSTER": 1,
                    "KIND_ENDPOINT": 2,
                    "KIND_EXPORT": 3,
                    "KIND_CONNECTION": 4,
                    "KIND_WORKLOAD": 5
                  }
                },
                "ClusterSpec": {
                  "oneofs": {
                    "_globalCidr": {
                      "oneof": [
                        "globalCidr"
                      ]
                    },
                    "_globalPrefix": {
                      "oneof": [
                        "globalPrefix"
                      ]
                    }
                  },
                  "fields": {
                    "podCidrs": {
                      "rule": "repeated",
                      "type": "string",
                      "id": 1
                    },
                    "serviceCidrs": {
                      "rule": "repeated",
                      "type": "string",
                      "id": 2
                    },
                    "labels": {
                      "keyType": "string",
                      "type": "string",
                      "id": 3
                    },
                    "global": {
                      "type": "bool",
                      "id": 4
                    },
                    "globalCidr": {
                      "type": "string",
                      "id": 5,
                      "options": {
                        "proto3_optional": true
                      }
                    },
                    "globalPrefix": {
                      "type": "uint32",
                      "id": 6,
                      "options": {
                        "proto3_optional": true
                      }
                    },
                    "globalEgress": {
                      "rule": "repeated",
                      "type": "GlobalEgressIp",
                      "id": 7
                    }
                  }
                },
                "GlobalEgressIp": {
                  "oneofs": {
                    "_globalIp": {
                      "oneof": [
                        "globalIp"
                      ]
                    }
                  },
                  "fields": {
                    "namespace": {
                      "type": "string",
                      "id": 1
                    },
                    "name": {
                      "type": "string",
                      "id": 2
                    },
                    "globalIp": {
                      "type": "string",
                      "id": 3,
                      "options": {
                        "proto3_optional": true
                      }
                    }
                  }
                },
                "Cluster": {
                  "oneofs": {
                    "_globalCidr": {
                      "oneof": [
                        "globalCidr"
                      ]
                    }
                  },
                  "fields": {
                    "id": {
                      "type": "string",
                      "id": 1
                    },
                    "podCidrs": {
                      "rule": "repeated",
                      "type": "string",
                      "id": 2
                    },
                    "serviceCidrs": {
                      "rule": "repeated",
                      "type": "string",
                      "id": 3
                    },
                    "globalCidr": {
                      "type": "string",
                      "id": 4,
                      "options": {
                        "proto3_optional": true
                      }
                    },
                    "labels": {
                      "keyType": "string",
                      "type": "string",
                      "id": 5
                    },
                    "joinedAt": {
                      "type": "string",
                      "id": 6
                    },
                    "lastSeen": {
                      "type": "string",
                      "id": 7
                    },
                    "globalEgress": {
                      "rule": "repeated",
                      "type": "GlobalEgressIp",
                      "id": 8
                    }
                  }
                },
                "GatewayEndpoint": {
                  "oneofs": {
                    "_wireguardPublicKey": {
                      "oneof": [
                        "wireguardPublicKey"
                      ]
                    },
                    "_natType": {
                      "oneof": [
                        "natType"
                      ]
                    }
                  },
                  "fields": {
                    "clusterId": {
                      "type": "string",
                      "id": 1
                    },
                    "hostname": {
                      "type": "string",
                      "id": 2
                    },
                    "publicIp": {
                      "type": "string",
                      "id": 3
                    },
                    "privateIp": {
                      "type": "string",
                      "id": 4
                    },
                    "port": {
                      "type": "uint32",
                      "id": 5
                    },
                    "cableDriver": {
                      "type": "string",
                      "id": 6
                    },
                    "wireguardPublicKey": {
                      "type": "string",
                      "id": 7,
                      "options": {
                        "proto3_optional": true
                      }
                    },
                    "healthCheckIp": {
                      "type": "string",
                      "id": 8
                    },
                    "behindNat": {
                      "type": "bool",
                      "id": 9
                    },
                    "natType": {
                      "type": "string",
                      "id": 10,
                      "options": {
                        "proto3_optional": true
                      }
                    },
                    "role": {
                      "type": "string",
                      "id": 11
                    }
                  }
                },
                "ServicePort": {
                  "oneofs": {
                    "_name": {
                      "oneof": [
                        "name"
                      ]
                    },
                    "_appProtocol": {
                      "oneof": [
                        "appProtocol"
                      ]
                    }
                  },
                  "fields": {
                    "name": {
                      "type": "string",
                      "id": 1,
                      "options": {
                        "proto3_optional": true
                      }
                    },
                    "port": {
                      "type": "uint32",
                      "id": 2
                    },
                    "protocol": {
                      "type": "string",
                      "id": 3
                    },
                    "appProtocol": {
                      "type": "string",
                      "id": 4,
                      "options": {
                        "proto3_optional": true
                      }
                    }
                  }
                },
                "ServiceEndpoint": {
                  "oneofs": {
                    "_hostname": {
                      "oneof": [
                        "hostname"
                      ]
                    },
                    "_globalIp": {
                      "oneof": [
                        "globalIp"
                      ]
                    }
                  },
                  "fields": {
                    "addresses": {
                      "rule": "repeated",
                      "type": "string",
                      "id": 1
                    },
                    "hostname": {
                      "type": "string",
                      "id": 2,
                      "options": {
                        "proto3_optional": true
                      }
                    },
                    "ready": {
                      "type": "bool",
                      "id": 3
                    },
                    "globalIp": {
                      "type": "string",
                      "id": 4,
                      "options": {
                        "proto3_optional": true
                      }
                    }
                  }
                },
                "ServiceExport": {
                  "oneofs": {
                    "_clusterIp": {
                      "oneof": [
                        "clusterIp"
                      ]
                    },
                    "_globalIp": {
                      "oneof": [
                        "globalIp"
                      ]
                    }
                  },
                  "fields": {
                    "clusterId": {
                      "type": "string",
                      "id": 1
                    },
                    "namespace": {
                      "type": "string",
                      "id": 2
                    },
                    "name": {
                      "type": "string",
                      "id": 3
                    },
                    "type": {
                      "type": "string",
                      "id": 4
                    },
                    "ports": {
                      "rule": "repeated",
                      "type": "ServicePort",
                      "id": 5
                    },
                    "clusterIp": {
                      "type": "string",
                      "id": 6,
                      "options": {
                        "proto3_optional": true
                      }
                    },
                    "endpoints": {
                      "rule": "repeated",
                      "type": "ServiceEndpoint",
                      "id": 7
                    },
                    "createdAt": {
                      "type": "string",
                      "id": 8
                    },
                    "globalIp": {
                      "type": "string",
                      "id": 9,
                      "options": {
                        "proto3_optional": true
                      }
                    }
                  }
                },
                "RttStats": {
                  "fields": {
                    "lastMs": {
                      "type": "double",
                      "id": 1
                    },
                    "minMs": {
                      "type": "double",
                      "id": 2
                    },
                    "avgMs": {
                      "type": "double",
                      "id": 3
                    },
                    "maxMs": {
                      "type": "double",
                      "id": 4
                    },
                    "stddevMs": {
                      "type": "double",
                      "id": 5
                    }
                  }
                },
                "ConnectionStatus": {
                  "oneofs": {
                    "_toGateway": {
                      "oneof": [
                        "toGateway"
                      ]
                    },
                    "_reason": {
                      "oneof": [
                        "reason"
                      ]
                    },
                    "_lossRatio": {
                      "oneof": [
                        "lossRatio"
                      ]
                    }
                  },
                  "fields": {
                    "fromCluster": {
                      "type": "string",
                      "id": 1
                    },
                    "fromGateway": {
                      "type": "string",
                      "id": 2
                    },
                    "toCluster": {
                      "type": "string",
                      "id": 3
                    },
                    "toGateway": {
                      "type": "string",
                      "id": 4,
                      "options": {
                        "proto3_optional": true
                      }
                    },
                    "status": {
                      "type": "string",
                      "id": 5
                    },
                    "reason": {
                      "type": "string",
                      "id": 6,
                      "options": {
                        "proto3_optional": true
                      }
                    },
                    "rtt": {
                      "type": "RttStats",
                      "id": 7
                    },
                    "lossRatio": {
                      "type": "double",
                      "id": 8,
                      "options": {
                        "proto3_optional": true
                      }
                    },
                    "lastChange": {
                      "type": "string",
                      "id": 9
                    }
                  }
                },
                "WorkloadPod": {
                  "fields": {
                    "name": {
                      "type": "string",
                      "id": 1
                    },
                    "ip": {
                      "type": "string",
                      "id": 2
                    },
                    "labels": {
                      "keyType": "string",
                      "type": "string",
                      "id": 3
                    }
                  }
                },
                "WorkloadSet": {
                  "fields": {
                    "clusterId": {
                      "type": "string",
                      "id": 1
                    },
                    "namespace": {
                      "type": "string",
                      "id": 2
                    },
                    "namespaceLabels": {
                      "keyType": "string",
                      "type": "string",
                      "id": 3
                    },
                    "pods": {
                      "rule": "repeated",
                      "type": "WorkloadPod",
                      "id": 4
                    }
                  }
                },
                "Record": {
                  "oneofs": {
                    "value": {
                      "oneof": [
                        "cluster",
                        "endpoint",
                        "export",
                        "connection",
                        "workload"
                      ]
                    }
                  },
                  "fields": {
                    "cluster": {
                      "type": "Cluster",
                      "id": 1
                    },
                    "endpoint": {
                      "type": "GatewayEndpoint",
                      "id": 2
                    },
                    "export": {
                      "type": "ServiceExport",
                      "id": 3
                    },
                    "connection": {
                      "type": "ConnectionStatus",
                      "id": 4
                    },
                    "workload": {
                      "type": "WorkloadSet",
                      "id": 5
                    }
                  }
                },
                "AdminService": {
                  "methods": {
                    "CreateToken": {
                      "requestType": "CreateTokenRequest",
                      "responseType": "CreateTokenResponse"
                    },
                    "ListTokens": {
                      "requestType": "ListTokensRequest",
                      "responseType": "ListTokensResponse"
                    },
                    "RevokeToken": {
                      "requestType": "RevokeTokenRequest",
                      "responseType": "RevokeTokenResponse"
                    },
                    "ListClusters": {
                      "requestType": "ListClustersRequest",
                      "responseType": "ListClustersResponse"
                    },
                    "GetCluster": {
                      "requestType": "GetClusterRequest",
                      "responseType": "GetClusterResponse"
                    },
                    "EvictCluster": {
                      "requestType": "EvictClusterRequest",
                      "responseType": "EvictClusterResponse"
                    },
                    "ListExports": {
                      "requestType": "ListExportsRequest",
                      "responseType": "ListExportsResponse"
                    },
                    "GetConnectionMatrix": {
                      "requestType": "GetConnectionMatrixRequest",
                      "responseType": "GetConnectionMatrixResponse"
                    },
                    "GetBrokerInfo": {
                      "requestType": "GetBrokerInfoRequest",
                      "responseType": "GetBrokerInfoResponse"
                    }
                  }
                },
                "CreateTokenRequest": {
                  "oneofs": {
                    "_clusterId": {
                      "oneof": [
                        "clusterId"
                      ]
                    }
                  },
                  "fields": {
                    "ttlSeconds": {
                      "type": "uint32",
                      "id": 1
                    },
                    "maxUses": {
                      "type": "uint32",
                      "id": 2
                    },
                    "clusterId": {
                      "type": "string",
                      "id": 3,
                      "options": {
                        "proto3_optional": true
                      }
                    },
                    "description": {
                      "type": "string",
                      "id": 4
                    }
                  }
                },
                "CreateTokenResponse": {
                  "fields": {
                    "token": {
                      "type": "string",
                      "id": 1
                    },
                    "info": {
                      "type": "TokenInfo",
                      "id": 2
                    }
                  }
                },
                "TokenInfo": {
                  "oneofs": {
                    "_clusterId": {
                      "oneof": [
                        "clusterId"
                      ]
                    }
                  },
                  "fields": {
                    "id": {
                      "type": "string",
                      "id": 1
                    },
                    "description": {
                      "type": "string",
                      "id": 2
                    },
                    "clusterId": {
                      "type": "string",
                      "id": 3,
                      "options": {
                        "proto3_optional": true
                      }
                    },
                    "createdAt": {
                      "type": "string",
                      "id": 4
                    },
                    "expiresAt": {
                      "type": "string",
                      "id": 5
                    },
                    "uses": {
                      "type": "uint32",
                      "id": 6
                    },
                    "maxUses": {
                      "type": "uint32",
                      "id": 7
                    },
                    "revoked": {
                      "type": "bool",
                      "id": 8
                    }
                  }
                },
                "ListTokensRequest": {
                  "fields": {}
                },
                "ListTokensResponse": {
                  "fields": {
                    "tokens": {
                      "rule": "repeated",
                      "type": "TokenInfo",
                      "id": 1
                    }
                  }
                },
                "RevokeTokenRequest": {
                  "fields": {
                    "id": {
                      "type": "string",
                      "id": 1
                    }
                  }
                },
                "RevokeTokenResponse": {
                  "fields": {
                    "info": {
                      "type": "TokenInfo",
                      "id": 1
                    }
                  }
                },
                "ListClustersRequest": {
                  "fields": {}
                },
                "ListClustersResponse": {
                  "fields": {
                    "clusters": {
                      "rule": "repeated",
                      "type": "Cluster",
                      "id": 1
                    }
                  }
                },
                "GetClusterRequest": {
                  "fields": {
                    "id": {
                      "type": "string",
                      "id": 1
                    }
                  }
                },
                "GetClusterResponse": {
                  "fields": {
                    "cluster": {
                      "type": "Cluster",
                      "id": 1
                    },
                    "endpoints": {
                      "rule": "repeated",
                      "type": "GatewayEndpoint",
                      "id": 2
                    },
                    "exportCount": {
                      "type": "uint32",
                      "id": 3
                    },
                    "connections": {
                      "rule": "repeated",
                      "type": "ConnectionStatus",
                      "id": 4
                    }
                  }
                },
                "EvictClusterRequest": {
                  "fields": {
                    "id": {
                      "type": "string",
                      "id": 1
                    }
                  }
                },
                "EvictClusterResponse": {
                  "fields": {
                    "revision": {
                      "type": "int64",
                      "id": 1
                    },
                    "deleted": {
                      "type": "uint32",
                      "id": 2
                    },
                    "revokedCertificates": {
                      "type": "uint32",
                      "id": 3
                    }
                  }
                },
                "ListExportsRequest": {
                  "oneofs": {
                    "_clusterId": {
                      "oneof": [
                        "clusterId"
                      ]
                    },
                    "_namespace": {
                      "oneof": [
                        "namespace"
                      ]
                    }
                  },
                  "fields": {
                    "clusterId": {
                      "type": "string",
                      "id": 1,
                      "options": {
                        "proto3_optional": true
                      }
                    },
                    "namespace": {
                      "type": "string",
                      "id": 2,
                      "options": {
                        "proto3_optional": true
                      }
                    }
                  }
                },
                "ListExportsResponse": {
                  "fields": {
                    "exports": {
                      "rule": "repeated",
                      "type": "ServiceExport",
                      "id": 1
                    }
                  }
                },
                "GetConnectionMatrixRequest": {
                  "fields": {}
                },
                "GetConnectionMatrixResponse": {
                  "fields": {
                    "clusterIds": {
                      "rule": "repeated",
                      "type": "string",
                      "id": 1
                    },
                    "connections": {
                      "rule": "repeated",
                      "type": "ConnectionStatus",
                      "id": 2
                    }
                  }
                },
                "GetBrokerInfoRequest": {
                  "fields": {}
                },
                "GetBrokerInfoResponse": {
                  "oneofs": {
                    "_globalCidrPool": {
                      "oneof": [
                        "globalCidrPool"
                      ]
                    }
                  },
                  "fields": {
                    "version": {
                      "type": "string",
                      "id": 1
                    },
                    "store": {
                      "type": "string",
                      "id": 2
                    },
                    "revision": {
                      "type": "int64",
                      "id": 3
                    },
                    "compactedRevision": {
                      "type": "int64",
                      "id": 4
                    },
                    "clusters": {
                      "type": "uint32",
                      "id": 5
                    },
                    "globalCidrPool": {
                      "type": "string",
                      "id": 6,
                      "options": {
                        "proto3_optional": true
                      }
                    },
                    "caFingerprintSha256": {
                      "type": "string",
                      "id": 7
                    },
                    "startedAt": {
                      "type": "string",
                      "id": 8
                    },
                    "watchers": {
                      "type": "uint32",
                      "id": 9
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
} as unknown as INamespace;
