{{- /*
_helpers.tpl - names, labels, and the values nomine derives from cryptnono's
(runtime state directories, the detectors' switches), in one place so the
DaemonSet and the ConfigMap agree.
*/}}

{{- define "nomine.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "nomine.fullname" -}}
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

{{- define "nomine.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nomine.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "nomine.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "nomine.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- /* Where the container finds the host's runtime state: each directory is
mounted read-only under this prefix, and nomine is told so (hostRoot). */}}
{{- define "nomine.hostRoot" -}}/host{{- end }}

{{- /* The runtime state directories nomine reads container metadata from,
as "kind: host path" (only those to mount). cryptnono's values name the
runtimes' sockets; containerd keeps its socket in its state directory
(/run/containerd/containerd.sock, k3s: /run/k3s/containerd/containerd.sock),
where the task state lives below io.containerd.runtime.v2.task. Docker's
socket says nothing of its data root, so dockerHostPath turns on Docker's
default one, /var/lib/docker/containers, unless nomine.containers.dockerStateDir
names another. nomine's own values win over what is derived. */}}
{{- define "nomine.stateDirs" -}}
{{- $c := .Values.nomine.containers }}
{{- $ew := .Values.detectors.execwhacker }}
{{- $dirs := dict }}
{{- if $c.containerdStateDir }}
{{- $_ := set $dirs "containerdStateDir" $c.containerdStateDir }}
{{- else if $ew.containerdHostPath }}
{{- $_ := set $dirs "containerdStateDir" (printf "%s/io.containerd.runtime.v2.task" (dir $ew.containerdHostPath)) }}
{{- end }}
{{- if $c.crioStateDir }}
{{- $_ := set $dirs "crioStateDir" $c.crioStateDir }}
{{- end }}
{{- if $c.dockerStateDir }}
{{- $_ := set $dirs "dockerStateDir" $c.dockerStateDir }}
{{- else if $ew.dockerHostPath }}
{{- $_ := set $dirs "dockerStateDir" "/var/lib/docker/containers" }}
{{- end }}
{{- toYaml $dirs }}
{{- end }}

{{- /* The ConfigMaps of banned-address files, as a YAML list of names:
nomine.bannedAddressConfigMaps, then the values of cryptnono's
detectors.tcpflowkiller.bannedIpv4ConfigMaps ({label: ConfigMap name}),
taken only with that detector enabled, as cryptnono reads them only then.
Each is mounted whole at /etc/nomine/addresses/<name> (an update reaches
nomine's reload) and every file in it is an address file. */}}
{{- define "nomine.addressConfigMaps" -}}
{{- $names := list }}
{{- range .Values.nomine.bannedAddressConfigMaps }}
{{- $names = append $names . }}
{{- end }}
{{- $fk := .Values.detectors.tcpflowkiller }}
{{- if $fk.enabled }}
{{- range $label := keys $fk.bannedIpv4ConfigMaps | sortAlpha }}
{{- $names = append $names (index $fk.bannedIpv4ConfigMaps $label) }}
{{- end }}
{{- end }}
{{- toYaml (uniq $names) }}
{{- end }}

{{- /* Values that would run something other than what the operator asked
for are refused at render time. A cryptnono values file that pins cryptnono's
image would start cryptnono's image with nomine's arguments. (A detector
switched off, detectors.<name>.enabled=false, becomes --disable.) */}}
{{- define "nomine.checkValues" -}}
{{- if contains "cryptnono" .Values.image.repository }}
{{- fail (printf "image.repository=%s is cryptnono's image: remove image.repository and image.tag from your values (nomine's chart names its own image)" .Values.image.repository) }}
{{- end }}
{{- include "nomine.checkResponses" . }}
{{- end }}

{{- /* One config file of detectors.execwhacker.configs.<name> (or of
secretConfigs) as JSON, the shape cryptnono's execwhacker reads, with
nomine.matchMode when set. */}}
{{- define "nomine.execConfigFile" -}}
{{- $cfg := deepCopy (.cfg | default dict) }}
{{- if and .root.Values.nomine.matchMode (not (hasKey $cfg "matchMode")) }}
{{- $_ := set $cfg "matchMode" .root.Values.nomine.matchMode }}
{{- end }}
{{- toPrettyJson $cfg }}
{{- end }}

{{- /* Where the Secrets of nomine.responses are mounted: each one whole, as
a directory /etc/nomine/secrets/<name> (no subPath, so a rotated Secret
reaches the file), and its key is the file nomine is told to read. */}}
{{- define "nomine.responseSecretDir" -}}/etc/nomine/secrets{{- end }}

{{- /* The Secrets nomine.responses names (the hub token's, the webhooks'),
as a YAML list of names, each once, in the order first named. */}}
{{- define "nomine.responseSecrets" -}}
{{- $r := .Values.nomine.responses }}
{{- $names := list }}
{{- with $r.hubApiTokenSecret.name }}
{{- $names = append $names . }}
{{- end }}
{{- range $r.webhooks }}
{{- with .urlSecret }}
{{- $names = append $names .name }}
{{- end }}
{{- end }}
{{- toYaml (uniq $names) }}
{{- end }}

{{- /* What nomine would refuse at start-up among nomine.responses, refused
at render time instead, naming the value (nomine's own checks, with file
and line, stay: docs/config.md "Responses"). */}}
{{- define "nomine.checkResponses" -}}
{{- $r := .Values.nomine.responses }}
{{- $tok := $r.hubApiTokenSecret }}
{{- if and $tok.name (not $tok.key) }}
{{- fail "nomine.responses.hubApiTokenSecret.key: the key of the Secret that holds the hub token is missing" }}
{{- end }}
{{- if and $tok.key (not $tok.name) }}
{{- fail "nomine.responses.hubApiTokenSecret.name: the Secret that holds the hub token is missing" }}
{{- end }}
{{- if and $r.hubApiUrl (not $tok.name) }}
{{- fail "nomine.responses.hubApiUrl needs nomine.responses.hubApiTokenSecret (name and key of the Secret holding the hub API token)" }}
{{- end }}
{{- if and $tok.name (not $r.hubApiUrl) }}
{{- fail "nomine.responses.hubApiTokenSecret needs nomine.responses.hubApiUrl" }}
{{- end }}
{{- range $key := list "hubStopServer" "hubBlockGroup" }}
{{- if and (not (kindIs "invalid" (index $r $key))) (not $r.hubApiUrl) }}
{{- fail (printf "nomine.responses.%s needs nomine.responses.hubApiUrl" $key) }}
{{- end }}
{{- end }}
{{- end }}

{{- /* nomine.responses as nomine's config keys (a dict, as YAML): what is
unset (null, "", []) is left to nomine's defaults; the Secrets become the
files they are mounted as, the evidence hostPath the evidenceDir. */}}
{{- define "nomine.responseSettings" -}}
{{- $r := .Values.nomine.responses }}
{{- $dir := include "nomine.responseSecretDir" . }}
{{- $out := dict }}
{{- with $r.hubApiUrl }}
{{- $_ := set $out "hubApiUrl" . }}
{{- $_ := set $out "hubApiTokenFile" (printf "%s/%s/%s" $dir $r.hubApiTokenSecret.name $r.hubApiTokenSecret.key) }}
{{- end }}
{{- $hooks := list }}
{{- range $r.webhooks }}
{{- $w := dict }}
{{- if .urlSecret }}
{{- $_ := set $w "urlFile" (printf "%s/%s/%s" $dir .urlSecret.name .urlSecret.key) }}
{{- else }}
{{- $_ := set $w "url" .url }}
{{- end }}
{{- with .format }}
{{- $_ := set $w "format" . }}
{{- end }}
{{- $hooks = append $hooks $w }}
{{- end }}
{{- with $hooks }}
{{- $_ := set $out "webhooks" . }}
{{- end }}
{{- with $r.alertmanagerUrl }}
{{- $_ := set $out "alertmanagerUrl" . }}
{{- end }}
{{- with $r.commandHook }}
{{- $_ := set $out "commandHook" . }}
{{- end }}
{{- if $r.evidence.enabled }}
{{- $_ := set $out "evidenceDir" $r.evidence.hostPath }}
{{- end }}
{{- range $key := list "hubStopServer" "hubBlockGroup" "notifyDedupeSeconds" "notifyBurst"
  "notifyPerMinute" "commandHookTimeoutSeconds" "commandHookConcurrency" "evidenceMaxRecords"
  "evidenceMaxMiB" "evidenceExecutableMaxMiB" "responseTimeoutSeconds" "responseRetrySeconds"
  "responseQueueLength" }}
{{- if not (kindIs "invalid" (index $r $key)) }}
{{- $_ := set $out $key (index $r $key) }}
{{- end }}
{{- end }}
{{- toJson $out }}
{{- end }}
