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
