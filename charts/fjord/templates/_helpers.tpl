{{- define "fjord.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "fjord.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- /* The labels a component's pods are selected by: (dict "root" $ "component" "api") */ -}}
{{- define "fjord.selectorLabels" -}}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "fjord.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "fjord.tokensSecret" -}}
{{- .Values.tokens.existingSecret | default (printf "%s-tokens" (include "fjord.fullname" .)) -}}
{{- end -}}

{{- /* The ClusterRole the api binds to itself in each org namespace it makes (api-rbac.yaml). */ -}}
{{- define "fjord.apiOrgRole" -}}
{{- include "fjord.fullname" . }}-api-org
{{- end -}}

{{- /* resourceLabels as k=v,k=v: FJORD_RESOURCE_LABELS and the operator's --selector. */ -}}
{{- define "fjord.resourceLabels" -}}
{{- $pairs := list -}}
{{- range $key, $value := .Values.resourceLabels -}}
{{- $pairs = append $pairs (printf "%s=%s" $key $value) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end -}}

{{- /* What every pod of the chart shares: image pull Secrets, the security context, the node's
network when asked for. */ -}}
{{- define "fjord.podSpec" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- if .Values.hostNetwork }}
hostNetwork: true
dnsPolicy: ClusterFirstWithHostNet
{{- end }}
{{- end -}}

{{- /* Scheduling passthroughs of a component's values (api or operator). */ -}}
{{- define "fjord.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- /* A read-only root filesystem: /tmp is the only place a process writes. */ -}}
{{- define "fjord.tmpVolume" -}}
- name: tmp
  emptyDir: {}
{{- end -}}

{{- define "fjord.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "fjord.databaseEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.secretKey }}
{{- end -}}

{{- define "fjord.tokenEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "fjord.tokensSecret" .root }}
      key: {{ .key }}
{{- end -}}

{{- /* A PodDisruptionBudget keeps one pod of a component when it has more than one, and
otherwise lets a drain take the only one. */ -}}
{{- define "fjord.pdbLimit" -}}
{{- if gt (int .) 1 }}
minAvailable: 1
{{- else }}
maxUnavailable: 1
{{- end }}
{{- end -}}
