//! Tables for v1 Container, EphemeralContainer and the messages they embed.
//!
//! Generated from k8s-pb 0.9 (tags), k8s-openapi 0.29 `v1_35` (JSON names) and the Go
//! struct tags as observed through kubectl 1.32 (emit modes); keep in sync by hand.

use super::super::schema::{A, N, P, Ty, Z, inline, many, map, one};

msg! { LOCAL_OBJECT_REFERENCE = "io.k8s.api.core.v1.LocalObjectReference" [
    one(1, "name", Ty::Str, Z),
]}

msg! { CONTAINER = "io.k8s.api.core.v1.Container" [
    one(1, "name", Ty::Str, A),
    one(2, "image", Ty::Str, Z),
    many(3, "command", Ty::Str, Z),
    many(4, "args", Ty::Str, Z),
    one(5, "workingDir", Ty::Str, Z),
    many(6, "ports", Ty::Msg(&CONTAINER_PORT), Z),
    many(19, "envFrom", Ty::Msg(&ENV_FROM_SOURCE), Z),
    many(7, "env", Ty::Msg(&ENV_VAR), Z),
    one(8, "resources", Ty::Msg(&RESOURCE_REQUIREMENTS), A),
    many(23, "resizePolicy", Ty::Msg(&CONTAINER_RESIZE_POLICY), Z),
    one(24, "restartPolicy", Ty::Str, P),
    many(25, "restartPolicyRules", Ty::Msg(&CONTAINER_RESTART_RULE), Z),
    many(9, "volumeMounts", Ty::Msg(&VOLUME_MOUNT), Z),
    many(21, "volumeDevices", Ty::Msg(&VOLUME_DEVICE), Z),
    one(10, "livenessProbe", Ty::Msg(&PROBE), P),
    one(11, "readinessProbe", Ty::Msg(&PROBE), P),
    one(22, "startupProbe", Ty::Msg(&PROBE), P),
    one(12, "lifecycle", Ty::Msg(&LIFECYCLE), P),
    one(13, "terminationMessagePath", Ty::Str, Z),
    one(20, "terminationMessagePolicy", Ty::Str, Z),
    one(14, "imagePullPolicy", Ty::Str, Z),
    one(15, "securityContext", Ty::Msg(&SECURITY_CONTEXT), P),
    one(16, "stdin", Ty::Bool, Z),
    one(17, "stdinOnce", Ty::Bool, Z),
    one(18, "tty", Ty::Bool, Z),
]}

msg! { EPHEMERAL_CONTAINER = "io.k8s.api.core.v1.EphemeralContainer" [
    inline(1, &EPHEMERAL_CONTAINER_COMMON),
    one(2, "targetContainerName", Ty::Str, Z),
]}

msg! { RESOURCE_REQUIREMENTS = "io.k8s.api.core.v1.ResourceRequirements" [
    map(1, "limits", Ty::Quantity, Z),
    map(2, "requests", Ty::Quantity, Z),
    many(3, "claims", Ty::Msg(&RESOURCE_CLAIM), Z),
]}

msg! { CONTAINER_PORT = "io.k8s.api.core.v1.ContainerPort" [
    one(1, "name", Ty::Str, Z),
    one(2, "hostPort", Ty::I32, Z),
    one(3, "containerPort", Ty::I32, A),
    one(4, "protocol", Ty::Str, Z),
    one(5, "hostIP", Ty::Str, Z),
]}

msg! { ENV_FROM_SOURCE = "io.k8s.api.core.v1.EnvFromSource" [
    one(1, "prefix", Ty::Str, Z),
    one(2, "configMapRef", Ty::Msg(&CONFIG_MAP_ENV_SOURCE), P),
    one(3, "secretRef", Ty::Msg(&SECRET_ENV_SOURCE), P),
]}

msg! { ENV_VAR = "io.k8s.api.core.v1.EnvVar" [
    one(1, "name", Ty::Str, A),
    one(2, "value", Ty::Str, Z),
    one(3, "valueFrom", Ty::Msg(&ENV_VAR_SOURCE), P),
]}

msg! { CONTAINER_RESIZE_POLICY = "io.k8s.api.core.v1.ContainerResizePolicy" [
    one(1, "resourceName", Ty::Str, A),
    one(2, "restartPolicy", Ty::Str, A),
]}

msg! { CONTAINER_RESTART_RULE = "io.k8s.api.core.v1.ContainerRestartRule" [
    one(1, "action", Ty::Str, Z),
    one(2, "exitCodes", Ty::Msg(&CONTAINER_RESTART_RULE_ON_EXIT_CODES), P),
]}

msg! { VOLUME_MOUNT = "io.k8s.api.core.v1.VolumeMount" [
    one(1, "name", Ty::Str, A),
    one(2, "readOnly", Ty::Bool, Z),
    one(7, "recursiveReadOnly", Ty::Str, P),
    one(3, "mountPath", Ty::Str, A),
    one(4, "subPath", Ty::Str, Z),
    one(5, "mountPropagation", Ty::Str, P),
    one(6, "subPathExpr", Ty::Str, Z),
]}

msg! { VOLUME_DEVICE = "io.k8s.api.core.v1.VolumeDevice" [
    one(1, "name", Ty::Str, A),
    one(2, "devicePath", Ty::Str, A),
]}

msg! { PROBE = "io.k8s.api.core.v1.Probe" [
    inline(1, &PROBE_HANDLER),
    one(2, "initialDelaySeconds", Ty::I32, Z),
    one(3, "timeoutSeconds", Ty::I32, Z),
    one(4, "periodSeconds", Ty::I32, Z),
    one(5, "successThreshold", Ty::I32, Z),
    one(6, "failureThreshold", Ty::I32, Z),
    one(7, "terminationGracePeriodSeconds", Ty::I64, P),
]}

msg! { LIFECYCLE = "io.k8s.api.core.v1.Lifecycle" [
    one(1, "postStart", Ty::Msg(&LIFECYCLE_HANDLER), P),
    one(2, "preStop", Ty::Msg(&LIFECYCLE_HANDLER), P),
    one(3, "stopSignal", Ty::Str, P),
]}

msg! { SECURITY_CONTEXT = "io.k8s.api.core.v1.SecurityContext" [
    one(1, "capabilities", Ty::Msg(&CAPABILITIES), P),
    one(2, "privileged", Ty::Bool, P),
    one(3, "seLinuxOptions", Ty::Msg(&SE_LINUX_OPTIONS), P),
    one(10, "windowsOptions", Ty::Msg(&WINDOWS_SECURITY_CONTEXT_OPTIONS), P),
    one(4, "runAsUser", Ty::I64, P),
    one(8, "runAsGroup", Ty::I64, P),
    one(5, "runAsNonRoot", Ty::Bool, P),
    one(6, "readOnlyRootFilesystem", Ty::Bool, P),
    one(7, "allowPrivilegeEscalation", Ty::Bool, P),
    one(9, "procMount", Ty::Str, P),
    one(11, "seccompProfile", Ty::Msg(&SECCOMP_PROFILE), P),
    one(12, "appArmorProfile", Ty::Msg(&APP_ARMOR_PROFILE), P),
]}

msg! { EPHEMERAL_CONTAINER_COMMON = "io.k8s.api.core.v1.EphemeralContainerCommon" [
    one(1, "name", Ty::Str, A),
    one(2, "image", Ty::Str, Z),
    many(3, "command", Ty::Str, Z),
    many(4, "args", Ty::Str, Z),
    one(5, "workingDir", Ty::Str, Z),
    many(6, "ports", Ty::Msg(&CONTAINER_PORT), Z),
    many(19, "envFrom", Ty::Msg(&ENV_FROM_SOURCE), Z),
    many(7, "env", Ty::Msg(&ENV_VAR), Z),
    one(8, "resources", Ty::Msg(&RESOURCE_REQUIREMENTS), A),
    many(23, "resizePolicy", Ty::Msg(&CONTAINER_RESIZE_POLICY), Z),
    one(24, "restartPolicy", Ty::Str, P),
    many(25, "restartPolicyRules", Ty::Msg(&CONTAINER_RESTART_RULE), Z),
    many(9, "volumeMounts", Ty::Msg(&VOLUME_MOUNT), Z),
    many(21, "volumeDevices", Ty::Msg(&VOLUME_DEVICE), Z),
    one(10, "livenessProbe", Ty::Msg(&PROBE), P),
    one(11, "readinessProbe", Ty::Msg(&PROBE), P),
    one(22, "startupProbe", Ty::Msg(&PROBE), P),
    one(12, "lifecycle", Ty::Msg(&LIFECYCLE), P),
    one(13, "terminationMessagePath", Ty::Str, Z),
    one(20, "terminationMessagePolicy", Ty::Str, Z),
    one(14, "imagePullPolicy", Ty::Str, Z),
    one(15, "securityContext", Ty::Msg(&SECURITY_CONTEXT), P),
    one(16, "stdin", Ty::Bool, Z),
    one(17, "stdinOnce", Ty::Bool, Z),
    one(18, "tty", Ty::Bool, Z),
]}

msg! { SE_LINUX_OPTIONS = "io.k8s.api.core.v1.SELinuxOptions" [
    one(1, "user", Ty::Str, Z),
    one(2, "role", Ty::Str, Z),
    one(3, "type", Ty::Str, Z),
    one(4, "level", Ty::Str, Z),
]}

msg! { WINDOWS_SECURITY_CONTEXT_OPTIONS = "io.k8s.api.core.v1.WindowsSecurityContextOptions" [
    one(1, "gmsaCredentialSpecName", Ty::Str, P),
    one(2, "gmsaCredentialSpec", Ty::Str, P),
    one(3, "runAsUserName", Ty::Str, P),
    one(4, "hostProcess", Ty::Bool, P),
]}

msg! { SECCOMP_PROFILE = "io.k8s.api.core.v1.SeccompProfile" [
    one(1, "type", Ty::Str, A),
    one(2, "localhostProfile", Ty::Str, P),
]}

msg! { APP_ARMOR_PROFILE = "io.k8s.api.core.v1.AppArmorProfile" [
    one(1, "type", Ty::Str, A),
    one(2, "localhostProfile", Ty::Str, P),
]}

msg! { RESOURCE_CLAIM = "io.k8s.api.core.v1.ResourceClaim" [
    one(1, "name", Ty::Str, A),
    one(2, "request", Ty::Str, Z),
]}

msg! { CONFIG_MAP_ENV_SOURCE = "io.k8s.api.core.v1.ConfigMapEnvSource" [
    inline(1, &LOCAL_OBJECT_REFERENCE),
    one(2, "optional", Ty::Bool, P),
]}

msg! { SECRET_ENV_SOURCE = "io.k8s.api.core.v1.SecretEnvSource" [
    inline(1, &LOCAL_OBJECT_REFERENCE),
    one(2, "optional", Ty::Bool, P),
]}

msg! { ENV_VAR_SOURCE = "io.k8s.api.core.v1.EnvVarSource" [
    one(1, "fieldRef", Ty::Msg(&OBJECT_FIELD_SELECTOR), P),
    one(2, "resourceFieldRef", Ty::Msg(&RESOURCE_FIELD_SELECTOR), P),
    one(3, "configMapKeyRef", Ty::Msg(&CONFIG_MAP_KEY_SELECTOR), P),
    one(4, "secretKeyRef", Ty::Msg(&SECRET_KEY_SELECTOR), P),
    one(5, "fileKeyRef", Ty::Msg(&FILE_KEY_SELECTOR), P),
]}

msg! { CONTAINER_RESTART_RULE_ON_EXIT_CODES = "io.k8s.api.core.v1.ContainerRestartRuleOnExitCodes" [
    one(1, "operator", Ty::Str, Z),
    many(2, "values", Ty::I32, Z),
]}

msg! { PROBE_HANDLER = "io.k8s.api.core.v1.ProbeHandler" [
    one(1, "exec", Ty::Msg(&EXEC_ACTION), P),
    one(2, "httpGet", Ty::Msg(&HTTP_GET_ACTION), P),
    one(3, "tcpSocket", Ty::Msg(&TCP_SOCKET_ACTION), P),
    one(4, "grpc", Ty::Msg(&GRPC_ACTION), P),
]}

msg! { LIFECYCLE_HANDLER = "io.k8s.api.core.v1.LifecycleHandler" [
    one(1, "exec", Ty::Msg(&EXEC_ACTION), P),
    one(2, "httpGet", Ty::Msg(&HTTP_GET_ACTION), P),
    one(3, "tcpSocket", Ty::Msg(&TCP_SOCKET_ACTION), P),
    one(4, "sleep", Ty::Msg(&SLEEP_ACTION), P),
]}

msg! { CAPABILITIES = "io.k8s.api.core.v1.Capabilities" [
    many(1, "add", Ty::Str, Z),
    many(2, "drop", Ty::Str, Z),
]}

msg! { OBJECT_FIELD_SELECTOR = "io.k8s.api.core.v1.ObjectFieldSelector" [
    one(1, "apiVersion", Ty::Str, Z),
    one(2, "fieldPath", Ty::Str, A),
]}

msg! { RESOURCE_FIELD_SELECTOR = "io.k8s.api.core.v1.ResourceFieldSelector" [
    one(1, "containerName", Ty::Str, Z),
    one(2, "resource", Ty::Str, A),
    one(3, "divisor", Ty::Quantity, A),
]}

msg! { CONFIG_MAP_KEY_SELECTOR = "io.k8s.api.core.v1.ConfigMapKeySelector" [
    inline(1, &LOCAL_OBJECT_REFERENCE),
    one(2, "key", Ty::Str, A),
    one(3, "optional", Ty::Bool, P),
]}

msg! { SECRET_KEY_SELECTOR = "io.k8s.api.core.v1.SecretKeySelector" [
    inline(1, &LOCAL_OBJECT_REFERENCE),
    one(2, "key", Ty::Str, A),
    one(3, "optional", Ty::Bool, P),
]}

msg! { FILE_KEY_SELECTOR = "io.k8s.api.core.v1.FileKeySelector" [
    one(1, "volumeName", Ty::Str, A),
    one(2, "path", Ty::Str, A),
    one(3, "key", Ty::Str, A),
    one(4, "optional", Ty::Bool, P),
]}

msg! { EXEC_ACTION = "io.k8s.api.core.v1.ExecAction" [
    many(1, "command", Ty::Str, Z),
]}

msg! { HTTP_GET_ACTION = "io.k8s.api.core.v1.HTTPGetAction" [
    one(1, "path", Ty::Str, Z),
    one(2, "port", Ty::IntOrString, A),
    one(3, "host", Ty::Str, Z),
    one(4, "scheme", Ty::Str, Z),
    many(5, "httpHeaders", Ty::Msg(&HTTP_HEADER), Z),
]}

msg! { TCP_SOCKET_ACTION = "io.k8s.api.core.v1.TCPSocketAction" [
    one(1, "port", Ty::IntOrString, A),
    one(2, "host", Ty::Str, Z),
]}

msg! { GRPC_ACTION = "io.k8s.api.core.v1.GRPCAction" [
    one(1, "port", Ty::I32, A),
    one(2, "service", Ty::Str, N),
]}

msg! { SLEEP_ACTION = "io.k8s.api.core.v1.SleepAction" [
    one(1, "seconds", Ty::I64, A),
]}

msg! { HTTP_HEADER = "io.k8s.api.core.v1.HTTPHeader" [
    one(1, "name", Ty::Str, A),
    one(2, "value", Ty::Str, A),
]}
