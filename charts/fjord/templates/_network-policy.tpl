{{- /* The egress rules the NetworkPolicies (network-policies.yaml) share. */ -}}
{{- define "fjord.egressPostgres" -}}
{{- with .Values.networkPolicy.postgres -}}
- ports:
    - { protocol: TCP, port: {{ .port }} }
  to:
    - ipBlock: { cidr: {{ .cidr }} }
{{- end -}}
{{- end -}}

{{- define "fjord.egressKubeApiServer" -}}
{{- with .Values.networkPolicy.kubeApiServer -}}
- ports:
    {{- range .ports }}
    - { protocol: TCP, port: {{ . }} }
    {{- end }}
  to:
    - ipBlock: { cidr: {{ .cidr }} }
{{- end -}}
{{- end -}}

{{- define "fjord.egressKafka" -}}
{{- with .Values.networkPolicy.kafka -}}
- ports:
    {{- range .ports }}
    - { protocol: TCP, port: {{ . }} }
    {{- end }}
  to:
    - ipBlock: { cidr: {{ .cidr }} }
{{- end -}}
{{- end -}}

{{- define "fjord.egressDns" -}}
{{- with .Values.networkPolicy.dns -}}
- ports:
    - { protocol: UDP, port: 53 }
    - { protocol: TCP, port: 53 }
  to:
    - namespaceSelector:
        {{- toYaml .namespaceSelector | nindent 8 }}
      podSelector:
        {{- toYaml .podSelector | nindent 8 }}
{{- end -}}
{{- end -}}
