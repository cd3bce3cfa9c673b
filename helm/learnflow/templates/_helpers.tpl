{{- define "learnflow.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "learnflow.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "learnflow.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ include "learnflow.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: learnflow
{{- end -}}

{{/* Pods that may reach Kafka and PostgreSQL carry learnflow.io/data-access: "true". */}}
{{- define "learnflow.selector" -}}
app.kubernetes.io/name: {{ include "learnflow.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* An image the operator built and pushed (docs/deploy.md, `make images`): never the placeholder. */}}
{{- define "learnflow.checkedRepository" -}}
{{- $repo := index . 0 -}}
{{- $key := index . 1 -}}
{{- if or (not $repo) (hasPrefix "CHANGE-ME" $repo) -}}
{{- fail (printf "%s is still the placeholder %q: build and push the images (make images REGISTRY=..., see docs/deploy.md \"Images\") and set %s to your registry's repository" $key $repo $key) -}}
{{- end -}}
{{- $repo -}}
{{- end -}}

{{- define "learnflow.image" -}}
{{ include "learnflow.checkedRepository" (list .Values.image.repository "image.repository") }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "learnflow.sandboxImage" -}}
{{ include "learnflow.checkedRepository" (list .Values.sandbox.image.repository "sandbox.image.repository") }}:{{ .Values.sandbox.image.tag | default .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* Where the agents that run student code find the sandbox (sandbox.clients). */}}
{{- define "learnflow.sandboxEnv" -}}
{{- $name := .name -}}
{{- with .root -}}
{{- if and .Values.sandbox.enabled (has $name .Values.sandbox.clients) }}
- name: LEARNFLOW_SANDBOX_URL
  value: {{ printf "http://%s-sandbox:%d" (include "learnflow.fullname" .) (int .Values.sandbox.port) | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "learnflow.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{ default (include "learnflow.fullname" .) .Values.serviceAccount.name }}
{{- else -}}
{{ default "default" .Values.serviceAccount.name }}
{{- end -}}
{{- end -}}

{{- define "learnflow.secretName" -}}
{{ include "learnflow.fullname" . }}-secrets
{{- end -}}

{{/* The database URL again, for the pre-install/pre-upgrade Jobs: hooks run before the release's
     own resources exist, so they cannot read its Secret on a first install. */}}
{{- define "learnflow.hookSecretName" -}}
{{ include "learnflow.fullname" . }}-hook-secrets
{{- end -}}

{{/* Pods that read the chart's Secret roll when it changes (a rotated credential). */}}
{{- define "learnflow.secretChecksum" -}}
{{- if include "learnflow.chartSecretNeeded" . }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}
{{- end -}}

{{- define "learnflow.chartSecretNeeded" -}}
{{- if or (not .Values.database.existingSecret) (and .Values.llm.anthropicApiKey (not .Values.llm.existingSecret)) (and .Values.gateway.enabled (not .Values.gateway.existingSecret)) -}}
true
{{- end -}}
{{- end -}}

{{- define "learnflow.kafkaCaPath" -}}
/etc/learnflow/kafka-ca/ca.crt
{{- end -}}

{{/* The bus URL with its security options (kafka_security.py); the SASL password is an env var. */}}
{{- define "learnflow.busUrl" -}}
{{- $k := .Values.kafka -}}
{{- $q := list -}}
{{- if ne $k.securityProtocol "PLAINTEXT" -}}
{{- $q = append $q (printf "security_protocol=%s" $k.securityProtocol) -}}
{{- end -}}
{{- if and (has $k.securityProtocol (list "SSL" "SASL_SSL")) $k.tls.caSecret -}}
{{- $q = append $q (printf "ssl_cafile=%s" (include "learnflow.kafkaCaPath" .)) -}}
{{- end -}}
{{- if hasPrefix "SASL" $k.securityProtocol -}}
{{- $q = append $q (printf "sasl_mechanism=%s" $k.sasl.mechanism) -}}
{{- $q = append $q (printf "sasl_username=%s" (urlquery $k.sasl.username)) -}}
{{- end -}}
kafka://{{ $k.bootstrapServers }}{{ if $q }}?{{ join "&" $q }}{{ end }}
{{- end -}}

{{/* The cluster CA for a TLS listener: a read-only mount beside /tmp, and its volume. */}}
{{- define "learnflow.kafkaCaMount" -}}
{{- if and (has .Values.kafka.securityProtocol (list "SSL" "SASL_SSL")) .Values.kafka.tls.caSecret }}
- {name: kafka-ca, mountPath: /etc/learnflow/kafka-ca, readOnly: true}
{{- end }}
{{- end -}}

{{- define "learnflow.kafkaCaVolume" -}}
{{- if and (has .Values.kafka.securityProtocol (list "SSL" "SASL_SSL")) .Values.kafka.tls.caSecret }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafka.tls.caSecret }}
    items:
      - {key: {{ .Values.kafka.tls.caSecretKey }}, path: ca.crt}
{{- end }}
{{- end -}}

{{/* Environment shared by agents, gateway and jobs: bus, database (from a Secret), logging.
     Deployments and the CronJob read the release's Secret; the hook Jobs the hook Secret. */}}
{{- define "learnflow.commonEnv" -}}
{{- include "learnflow.env" (dict "root" . "secretName" (include "learnflow.secretName" .)) -}}
{{- end -}}

{{- define "learnflow.hookEnv" -}}
{{- include "learnflow.env" (dict "root" . "secretName" (include "learnflow.hookSecretName" .)) -}}
{{- end -}}

{{- define "learnflow.env" -}}
{{- $secretName := .secretName -}}
{{- with .root -}}
- name: LEARNFLOW_BUS_URL
  value: {{ include "learnflow.busUrl" . | quote }}
- name: LEARNFLOW_TOPIC_PREFIX
  value: {{ .Values.kafka.topicPrefix | quote }}
- name: LEARNFLOW_PARTITIONS
  value: {{ .Values.kafka.partitions | quote }}
{{- if hasPrefix "SASL" .Values.kafka.securityProtocol }}
- name: LEARNFLOW_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafka.sasl.existingSecret }}
      key: {{ .Values.kafka.sasl.existingSecretKey }}
{{- end }}
- name: LEARNFLOW_DB_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret | default $secretName }}
      key: {{ if .Values.database.existingSecret }}{{ .Values.database.existingSecretKey }}{{ else }}db-url{{ end }}
- name: LEARNFLOW_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
# A read-only root filesystem: caches and scratch files go to the /tmp emptyDir.
- name: HOME
  value: /tmp
- name: RUFF_NO_CACHE
  value: "true"
{{- end -}}
{{- end -}}

{{- define "learnflow.llmEnv" -}}
{{- if or .Values.llm.anthropicApiKey .Values.llm.existingSecret }}
- name: ANTHROPIC_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.llm.existingSecret | default (include "learnflow.secretName" .) }}
      key: {{ if .Values.llm.existingSecret }}{{ .Values.llm.existingSecretKey }}{{ else }}anthropic-api-key{{ end }}
{{- end }}
{{- range $key, $value := .Values.llm.settings }}
- name: {{ printf "LEARNFLOW_LLM_%s" (upper $key) }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{- define "learnflow.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- end -}}

{{/* KEDA's Kafka scaler: tls/sasl in the trigger metadata (kafka_scaler.go accepts both there). */}}
{{- define "learnflow.kedaKafkaSecurity" -}}
{{- $k := .Values.kafka -}}
{{- if has $k.securityProtocol (list "SSL" "SASL_SSL") }}
tls: "enable"
{{- end }}
{{- if hasPrefix "SASL" $k.securityProtocol }}
sasl: {{ get (dict "PLAIN" "plaintext" "SCRAM-SHA-256" "scram_sha256" "SCRAM-SHA-512" "scram_sha512") $k.sasl.mechanism | quote }}
{{- end }}
{{- end -}}

{{/* Non-empty when KEDA needs a TriggerAuthentication: a SASL password or a private CA. */}}
{{- define "learnflow.kedaAuthNeeded" -}}
{{- $k := .Values.kafka -}}
{{- if or (hasPrefix "SASL" $k.securityProtocol) (and (has $k.securityProtocol (list "SSL" "SASL_SSL")) $k.tls.caSecret) -}}
true
{{- end -}}
{{- end -}}
