{{/*
The chart name, or nameOverride.
*/}}
{{- define "ramp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every resource name: fullnameOverride, else the release name, plus the chart
name when the release name does not contain it. Truncated to 63 characters (a DNS label).
*/}}
{{- define "ramp.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "ramp.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every object.
*/}}
{{- define "ramp.labels" -}}
helm.sh/chart: {{ include "ramp.chart" . }}
{{ include "ramp.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: controller
app.kubernetes.io/part-of: ramp
{{- end }}

{{/*
Labels that select the controller pods (never change them in an upgrade: a Deployment's
selector is immutable).
*/}}
{{- define "ramp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ramp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The ServiceAccount the controller runs as.
*/}}
{{- define "ramp.serviceAccountName" -}}
{{- default (include "ramp.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{/*
The leader-election Lease name.
*/}}
{{- define "ramp.leaseName" -}}
{{- default (printf "%s-controller" (include "ramp.fullname" .)) .Values.leaderElection.leaseName }}
{{- end }}

{{/*
The image reference.
*/}}
{{- define "ramp.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/*
The namespaced rules: what the controller reads and writes where Rollouts live. Granted
cluster-wide by the ClusterRole, or per watched namespace by a Role.
*/}}
{{- define "ramp.namespacedRules" -}}
- apiGroups: ["ramp.dev"]
  resources: ["rollouts"]
  {{- if .Values.dashboard.enabled }}
  # patch: the dashboard writes the ramp.dev/request annotation of an action it authorized.
  verbs: ["get", "list", "watch", "patch"]
  {{- else }}
  verbs: ["get", "list", "watch"]
  {{- end }}
- apiGroups: ["ramp.dev"]
  resources: ["rollouts/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: ["ramp.dev"]
  resources: ["rollouts/finalizers"]
  verbs: ["update"]
- apiGroups: ["apps"]
  resources: ["replicasets"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  {{- if .Values.dashboard.enabled }}
  # list: the dashboard shows a Rollout's recent Events.
  verbs: ["create", "patch", "list"]
  {{- else }}
  verbs: ["create", "patch"]
  {{- end }}
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["gateway.networking.k8s.io"]
  resources: ["httproutes", "grpcroutes"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["ramp.dev"]
  resources: ["analysistemplates"]
  verbs: ["get"]
- apiGroups: ["ramp.dev"]
  resources: ["analysisruns"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: ["ramp.dev"]
  resources: ["analysisruns/status"]
  verbs: ["get", "patch"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "delete"]
{{- end }}

{{/*
The cluster-scoped rules: the start-up check that the Rollout CRD is served (that one CRD only),
reading ClusterAnalysisTemplates (shared by every namespace) and, with the dashboard, token and
access reviews.
*/}}
{{- define "ramp.clusterRules" -}}
- apiGroups: ["apiextensions.k8s.io"]
  resources: ["customresourcedefinitions"]
  resourceNames: ["rollouts.ramp.dev"]
  verbs: ["get"]
- apiGroups: ["ramp.dev"]
  resources: ["clusteranalysistemplates"]
  verbs: ["get"]
{{- if .Values.dashboard.enabled }}
# The dashboard asks the API server who holds a token and what they may do.
- apiGroups: ["authentication.k8s.io"]
  resources: ["tokenreviews"]
  verbs: ["create"]
- apiGroups: ["authorization.k8s.io"]
  resources: ["subjectaccessreviews"]
  verbs: ["create"]
{{- end }}
{{- end }}
