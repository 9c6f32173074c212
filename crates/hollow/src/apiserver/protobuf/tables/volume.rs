//! Tables for v1 Volume, its volume sources and projections.
//!
//! Generated from k8s-pb 0.9 (tags), k8s-openapi 0.29 `v1_35` (JSON names) and the Go
//! struct tags as observed through kubectl 1.32 (emit modes); keep in sync by hand.

use super::super::schema::{A, N, P, Ty, Z, inline, many, map, one};

msg! { VOLUME = "io.k8s.api.core.v1.Volume" [
    one(1, "name", Ty::Str, A),
    inline(2, &VOLUME_SOURCE),
]}

msg! { VOLUME_SOURCE = "io.k8s.api.core.v1.VolumeSource" [
    one(1, "hostPath", Ty::Msg(&HOST_PATH_VOLUME_SOURCE), P),
    one(2, "emptyDir", Ty::Msg(&EMPTY_DIR_VOLUME_SOURCE), P),
    one(3, "gcePersistentDisk", Ty::Msg(&GCE_PERSISTENT_DISK_VOLUME_SOURCE), P),
    one(4, "awsElasticBlockStore", Ty::Msg(&AWS_ELASTIC_BLOCK_STORE_VOLUME_SOURCE), P),
    one(5, "gitRepo", Ty::Msg(&GIT_REPO_VOLUME_SOURCE), P),
    one(6, "secret", Ty::Msg(&SECRET_VOLUME_SOURCE), P),
    one(7, "nfs", Ty::Msg(&NFS_VOLUME_SOURCE), P),
    one(8, "iscsi", Ty::Msg(&ISCSI_VOLUME_SOURCE), P),
    one(9, "glusterfs", Ty::Msg(&GLUSTERFS_VOLUME_SOURCE), P),
    one(10, "persistentVolumeClaim", Ty::Msg(&PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE), P),
    one(11, "rbd", Ty::Msg(&RBD_VOLUME_SOURCE), P),
    one(12, "flexVolume", Ty::Msg(&FLEX_VOLUME_SOURCE), P),
    one(13, "cinder", Ty::Msg(&CINDER_VOLUME_SOURCE), P),
    one(14, "cephfs", Ty::Msg(&CEPH_FS_VOLUME_SOURCE), P),
    one(15, "flocker", Ty::Msg(&FLOCKER_VOLUME_SOURCE), P),
    one(16, "downwardAPI", Ty::Msg(&DOWNWARD_APIVOLUME_SOURCE), P),
    one(17, "fc", Ty::Msg(&FC_VOLUME_SOURCE), P),
    one(18, "azureFile", Ty::Msg(&AZURE_FILE_VOLUME_SOURCE), P),
    one(19, "configMap", Ty::Msg(&CONFIG_MAP_VOLUME_SOURCE), P),
    one(20, "vsphereVolume", Ty::Msg(&VSPHERE_VIRTUAL_DISK_VOLUME_SOURCE), P),
    one(21, "quobyte", Ty::Msg(&QUOBYTE_VOLUME_SOURCE), P),
    one(22, "azureDisk", Ty::Msg(&AZURE_DISK_VOLUME_SOURCE), P),
    one(23, "photonPersistentDisk", Ty::Msg(&PHOTON_PERSISTENT_DISK_VOLUME_SOURCE), P),
    one(26, "projected", Ty::Msg(&PROJECTED_VOLUME_SOURCE), P),
    one(24, "portworxVolume", Ty::Msg(&PORTWORX_VOLUME_SOURCE), P),
    one(25, "scaleIO", Ty::Msg(&SCALE_IO_VOLUME_SOURCE), P),
    one(27, "storageos", Ty::Msg(&STORAGE_OS_VOLUME_SOURCE), P),
    one(28, "csi", Ty::Msg(&CSIVOLUME_SOURCE), P),
    one(29, "ephemeral", Ty::Msg(&EPHEMERAL_VOLUME_SOURCE), P),
    one(30, "image", Ty::Msg(&IMAGE_VOLUME_SOURCE), P),
]}

msg! { HOST_PATH_VOLUME_SOURCE = "io.k8s.api.core.v1.HostPathVolumeSource" [
    one(1, "path", Ty::Str, A),
    one(2, "type", Ty::Str, P),
]}

msg! { EMPTY_DIR_VOLUME_SOURCE = "io.k8s.api.core.v1.EmptyDirVolumeSource" [
    one(1, "medium", Ty::Str, Z),
    one(2, "sizeLimit", Ty::Quantity, P),
]}

msg! { GCE_PERSISTENT_DISK_VOLUME_SOURCE = "io.k8s.api.core.v1.GCEPersistentDiskVolumeSource" [
    one(1, "pdName", Ty::Str, A),
    one(2, "fsType", Ty::Str, Z),
    one(3, "partition", Ty::I32, Z),
    one(4, "readOnly", Ty::Bool, Z),
]}

msg! { AWS_ELASTIC_BLOCK_STORE_VOLUME_SOURCE = "io.k8s.api.core.v1.AWSElasticBlockStoreVolumeSource" [
    one(1, "volumeID", Ty::Str, A),
    one(2, "fsType", Ty::Str, Z),
    one(3, "partition", Ty::I32, Z),
    one(4, "readOnly", Ty::Bool, Z),
]}

msg! { GIT_REPO_VOLUME_SOURCE = "io.k8s.api.core.v1.GitRepoVolumeSource" [
    one(1, "repository", Ty::Str, A),
    one(2, "revision", Ty::Str, Z),
    one(3, "directory", Ty::Str, Z),
]}

msg! { SECRET_VOLUME_SOURCE = "io.k8s.api.core.v1.SecretVolumeSource" [
    one(1, "secretName", Ty::Str, Z),
    many(2, "items", Ty::Msg(&KEY_TO_PATH), Z),
    one(3, "defaultMode", Ty::I32, P),
    one(4, "optional", Ty::Bool, P),
]}

msg! { NFS_VOLUME_SOURCE = "io.k8s.api.core.v1.NFSVolumeSource" [
    one(1, "server", Ty::Str, A),
    one(2, "path", Ty::Str, A),
    one(3, "readOnly", Ty::Bool, Z),
]}

msg! { ISCSI_VOLUME_SOURCE = "io.k8s.api.core.v1.ISCSIVolumeSource" [
    one(1, "targetPortal", Ty::Str, A),
    one(2, "iqn", Ty::Str, A),
    one(3, "lun", Ty::I32, A),
    one(4, "iscsiInterface", Ty::Str, Z),
    one(5, "fsType", Ty::Str, Z),
    one(6, "readOnly", Ty::Bool, Z),
    many(7, "portals", Ty::Str, Z),
    one(8, "chapAuthDiscovery", Ty::Bool, Z),
    one(11, "chapAuthSession", Ty::Bool, Z),
    one(10, "secretRef", Ty::Msg(&super::container::LOCAL_OBJECT_REFERENCE), P),
    one(12, "initiatorName", Ty::Str, P),
]}

msg! { GLUSTERFS_VOLUME_SOURCE = "io.k8s.api.core.v1.GlusterfsVolumeSource" [
    one(1, "endpoints", Ty::Str, A),
    one(2, "path", Ty::Str, A),
    one(3, "readOnly", Ty::Bool, Z),
]}

msg! { PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE = "io.k8s.api.core.v1.PersistentVolumeClaimVolumeSource" [
    one(1, "claimName", Ty::Str, A),
    one(2, "readOnly", Ty::Bool, Z),
]}

msg! { RBD_VOLUME_SOURCE = "io.k8s.api.core.v1.RBDVolumeSource" [
    many(1, "monitors", Ty::Str, A),
    one(2, "image", Ty::Str, A),
    one(3, "fsType", Ty::Str, Z),
    one(4, "pool", Ty::Str, Z),
    one(5, "user", Ty::Str, Z),
    one(6, "keyring", Ty::Str, Z),
    one(7, "secretRef", Ty::Msg(&super::container::LOCAL_OBJECT_REFERENCE), P),
    one(8, "readOnly", Ty::Bool, Z),
]}

msg! { FLEX_VOLUME_SOURCE = "io.k8s.api.core.v1.FlexVolumeSource" [
    one(1, "driver", Ty::Str, A),
    one(2, "fsType", Ty::Str, Z),
    one(3, "secretRef", Ty::Msg(&super::container::LOCAL_OBJECT_REFERENCE), P),
    one(4, "readOnly", Ty::Bool, Z),
    map(5, "options", Ty::Str, Z),
]}

msg! { CINDER_VOLUME_SOURCE = "io.k8s.api.core.v1.CinderVolumeSource" [
    one(1, "volumeID", Ty::Str, A),
    one(2, "fsType", Ty::Str, Z),
    one(3, "readOnly", Ty::Bool, Z),
    one(4, "secretRef", Ty::Msg(&super::container::LOCAL_OBJECT_REFERENCE), P),
]}

msg! { CEPH_FS_VOLUME_SOURCE = "io.k8s.api.core.v1.CephFSVolumeSource" [
    many(1, "monitors", Ty::Str, A),
    one(2, "path", Ty::Str, Z),
    one(3, "user", Ty::Str, Z),
    one(4, "secretFile", Ty::Str, Z),
    one(5, "secretRef", Ty::Msg(&super::container::LOCAL_OBJECT_REFERENCE), P),
    one(6, "readOnly", Ty::Bool, Z),
]}

msg! { FLOCKER_VOLUME_SOURCE = "io.k8s.api.core.v1.FlockerVolumeSource" [
    one(1, "datasetName", Ty::Str, Z),
    one(2, "datasetUUID", Ty::Str, Z),
]}

msg! { DOWNWARD_APIVOLUME_SOURCE = "io.k8s.api.core.v1.DownwardAPIVolumeSource" [
    many(1, "items", Ty::Msg(&DOWNWARD_APIVOLUME_FILE), Z),
    one(2, "defaultMode", Ty::I32, P),
]}

msg! { FC_VOLUME_SOURCE = "io.k8s.api.core.v1.FCVolumeSource" [
    many(1, "targetWWNs", Ty::Str, Z),
    one(2, "lun", Ty::I32, P),
    one(3, "fsType", Ty::Str, Z),
    one(4, "readOnly", Ty::Bool, Z),
    many(5, "wwids", Ty::Str, Z),
]}

msg! { AZURE_FILE_VOLUME_SOURCE = "io.k8s.api.core.v1.AzureFileVolumeSource" [
    one(1, "secretName", Ty::Str, A),
    one(2, "shareName", Ty::Str, A),
    one(3, "readOnly", Ty::Bool, Z),
]}

msg! { CONFIG_MAP_VOLUME_SOURCE = "io.k8s.api.core.v1.ConfigMapVolumeSource" [
    inline(1, &super::container::LOCAL_OBJECT_REFERENCE),
    many(2, "items", Ty::Msg(&KEY_TO_PATH), Z),
    one(3, "defaultMode", Ty::I32, P),
    one(4, "optional", Ty::Bool, P),
]}

msg! { VSPHERE_VIRTUAL_DISK_VOLUME_SOURCE = "io.k8s.api.core.v1.VsphereVirtualDiskVolumeSource" [
    one(1, "volumePath", Ty::Str, A),
    one(2, "fsType", Ty::Str, Z),
    one(3, "storagePolicyName", Ty::Str, Z),
    one(4, "storagePolicyID", Ty::Str, Z),
]}

msg! { QUOBYTE_VOLUME_SOURCE = "io.k8s.api.core.v1.QuobyteVolumeSource" [
    one(1, "registry", Ty::Str, A),
    one(2, "volume", Ty::Str, A),
    one(3, "readOnly", Ty::Bool, Z),
    one(4, "user", Ty::Str, Z),
    one(5, "group", Ty::Str, Z),
    one(6, "tenant", Ty::Str, Z),
]}

msg! { AZURE_DISK_VOLUME_SOURCE = "io.k8s.api.core.v1.AzureDiskVolumeSource" [
    one(1, "diskName", Ty::Str, A),
    one(2, "diskURI", Ty::Str, A),
    one(3, "cachingMode", Ty::Str, P),
    one(4, "fsType", Ty::Str, P),
    one(5, "readOnly", Ty::Bool, P),
    one(6, "kind", Ty::Str, P),
]}

msg! { PHOTON_PERSISTENT_DISK_VOLUME_SOURCE = "io.k8s.api.core.v1.PhotonPersistentDiskVolumeSource" [
    one(1, "pdID", Ty::Str, A),
    one(2, "fsType", Ty::Str, Z),
]}

msg! { PROJECTED_VOLUME_SOURCE = "io.k8s.api.core.v1.ProjectedVolumeSource" [
    many(1, "sources", Ty::Msg(&VOLUME_PROJECTION), A),
    one(2, "defaultMode", Ty::I32, P),
]}

msg! { PORTWORX_VOLUME_SOURCE = "io.k8s.api.core.v1.PortworxVolumeSource" [
    one(1, "volumeID", Ty::Str, A),
    one(2, "fsType", Ty::Str, Z),
    one(3, "readOnly", Ty::Bool, Z),
]}

msg! { SCALE_IO_VOLUME_SOURCE = "io.k8s.api.core.v1.ScaleIOVolumeSource" [
    one(1, "gateway", Ty::Str, A),
    one(2, "system", Ty::Str, A),
    one(3, "secretRef", Ty::Msg(&super::container::LOCAL_OBJECT_REFERENCE), N),
    one(4, "sslEnabled", Ty::Bool, Z),
    one(5, "protectionDomain", Ty::Str, Z),
    one(6, "storagePool", Ty::Str, Z),
    one(7, "storageMode", Ty::Str, Z),
    one(8, "volumeName", Ty::Str, Z),
    one(9, "fsType", Ty::Str, Z),
    one(10, "readOnly", Ty::Bool, Z),
]}

msg! { STORAGE_OS_VOLUME_SOURCE = "io.k8s.api.core.v1.StorageOSVolumeSource" [
    one(1, "volumeName", Ty::Str, Z),
    one(2, "volumeNamespace", Ty::Str, Z),
    one(3, "fsType", Ty::Str, Z),
    one(4, "readOnly", Ty::Bool, Z),
    one(5, "secretRef", Ty::Msg(&super::container::LOCAL_OBJECT_REFERENCE), P),
]}

msg! { CSIVOLUME_SOURCE = "io.k8s.api.core.v1.CSIVolumeSource" [
    one(1, "driver", Ty::Str, A),
    one(2, "readOnly", Ty::Bool, P),
    one(3, "fsType", Ty::Str, P),
    map(4, "volumeAttributes", Ty::Str, Z),
    one(5, "nodePublishSecretRef", Ty::Msg(&super::container::LOCAL_OBJECT_REFERENCE), P),
]}

msg! { EPHEMERAL_VOLUME_SOURCE = "io.k8s.api.core.v1.EphemeralVolumeSource" [
    one(1, "volumeClaimTemplate", Ty::Msg(&PERSISTENT_VOLUME_CLAIM_TEMPLATE), P),
]}

msg! { IMAGE_VOLUME_SOURCE = "io.k8s.api.core.v1.ImageVolumeSource" [
    one(1, "reference", Ty::Str, Z),
    one(2, "pullPolicy", Ty::Str, Z),
]}

msg! { KEY_TO_PATH = "io.k8s.api.core.v1.KeyToPath" [
    one(1, "key", Ty::Str, A),
    one(2, "path", Ty::Str, A),
    one(3, "mode", Ty::I32, P),
]}

msg! { DOWNWARD_APIVOLUME_FILE = "io.k8s.api.core.v1.DownwardAPIVolumeFile" [
    one(1, "path", Ty::Str, A),
    one(2, "fieldRef", Ty::Msg(&super::container::OBJECT_FIELD_SELECTOR), P),
    one(3, "resourceFieldRef", Ty::Msg(&super::container::RESOURCE_FIELD_SELECTOR), P),
    one(4, "mode", Ty::I32, P),
]}

msg! { VOLUME_PROJECTION = "io.k8s.api.core.v1.VolumeProjection" [
    one(1, "secret", Ty::Msg(&SECRET_PROJECTION), P),
    one(2, "downwardAPI", Ty::Msg(&DOWNWARD_APIPROJECTION), P),
    one(3, "configMap", Ty::Msg(&CONFIG_MAP_PROJECTION), P),
    one(4, "serviceAccountToken", Ty::Msg(&SERVICE_ACCOUNT_TOKEN_PROJECTION), P),
    one(5, "clusterTrustBundle", Ty::Msg(&CLUSTER_TRUST_BUNDLE_PROJECTION), P),
    one(6, "podCertificate", Ty::Msg(&POD_CERTIFICATE_PROJECTION), P),
]}

msg! { PERSISTENT_VOLUME_CLAIM_TEMPLATE = "io.k8s.api.core.v1.PersistentVolumeClaimTemplate" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "spec", Ty::Msg(&PERSISTENT_VOLUME_CLAIM_SPEC), A),
]}

msg! { SECRET_PROJECTION = "io.k8s.api.core.v1.SecretProjection" [
    inline(1, &super::container::LOCAL_OBJECT_REFERENCE),
    many(2, "items", Ty::Msg(&KEY_TO_PATH), Z),
    one(4, "optional", Ty::Bool, P),
]}

msg! { DOWNWARD_APIPROJECTION = "io.k8s.api.core.v1.DownwardAPIProjection" [
    many(1, "items", Ty::Msg(&DOWNWARD_APIVOLUME_FILE), Z),
]}

msg! { CONFIG_MAP_PROJECTION = "io.k8s.api.core.v1.ConfigMapProjection" [
    inline(1, &super::container::LOCAL_OBJECT_REFERENCE),
    many(2, "items", Ty::Msg(&KEY_TO_PATH), Z),
    one(4, "optional", Ty::Bool, P),
]}

msg! { SERVICE_ACCOUNT_TOKEN_PROJECTION = "io.k8s.api.core.v1.ServiceAccountTokenProjection" [
    one(1, "audience", Ty::Str, Z),
    one(2, "expirationSeconds", Ty::I64, P),
    one(3, "path", Ty::Str, A),
]}

msg! { CLUSTER_TRUST_BUNDLE_PROJECTION = "io.k8s.api.core.v1.ClusterTrustBundleProjection" [
    one(1, "name", Ty::Str, P),
    one(2, "signerName", Ty::Str, P),
    one(3, "labelSelector", Ty::Msg(&super::meta::LABEL_SELECTOR), P),
    one(5, "optional", Ty::Bool, P),
    one(4, "path", Ty::Str, A),
]}

msg! { POD_CERTIFICATE_PROJECTION = "io.k8s.api.core.v1.PodCertificateProjection" [
    one(1, "signerName", Ty::Str, Z),
    one(2, "keyType", Ty::Str, Z),
    one(3, "maxExpirationSeconds", Ty::I32, P),
    one(4, "credentialBundlePath", Ty::Str, Z),
    one(5, "keyPath", Ty::Str, Z),
    one(6, "certificateChainPath", Ty::Str, Z),
    map(7, "userAnnotations", Ty::Str, Z),
]}

msg! { PERSISTENT_VOLUME_CLAIM_SPEC = "io.k8s.api.core.v1.PersistentVolumeClaimSpec" [
    many(1, "accessModes", Ty::Str, Z),
    one(4, "selector", Ty::Msg(&super::meta::LABEL_SELECTOR), P),
    one(2, "resources", Ty::Msg(&VOLUME_RESOURCE_REQUIREMENTS), A),
    one(3, "volumeName", Ty::Str, Z),
    one(5, "storageClassName", Ty::Str, P),
    one(6, "volumeMode", Ty::Str, P),
    one(7, "dataSource", Ty::Msg(&TYPED_LOCAL_OBJECT_REFERENCE), P),
    one(8, "dataSourceRef", Ty::Msg(&TYPED_OBJECT_REFERENCE), P),
    one(9, "volumeAttributesClassName", Ty::Str, P),
]}

msg! { VOLUME_RESOURCE_REQUIREMENTS = "io.k8s.api.core.v1.VolumeResourceRequirements" [
    map(1, "limits", Ty::Quantity, Z),
    map(2, "requests", Ty::Quantity, Z),
]}

msg! { TYPED_LOCAL_OBJECT_REFERENCE = "io.k8s.api.core.v1.TypedLocalObjectReference" [
    one(1, "apiGroup", Ty::Str, N),
    one(2, "kind", Ty::Str, A),
    one(3, "name", Ty::Str, A),
]}

msg! { TYPED_OBJECT_REFERENCE = "io.k8s.api.core.v1.TypedObjectReference" [
    one(1, "apiGroup", Ty::Str, N),
    one(2, "kind", Ty::Str, A),
    one(3, "name", Ty::Str, A),
    one(4, "namespace", Ty::Str, P),
]}
