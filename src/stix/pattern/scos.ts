/**
 * The STIX 2.1 Cyber-observable Object catalogue (spec §6.3, S-100–S-117; STIX §6) as far as the
 * object-path check (S-186) needs it: each type's properties, which are lists, dictionaries,
 * hashes, references (and to which types), nested object types and predefined extensions.
 *
 * Written as a compact text so the module loads fast; compiled on first use. An entry is
 * `name` (a single value), or `name:CODE` with CODE one of
 *   l          list of single values           d      dictionary (any key, any value below)
 *   h          hashes (dictionary of hashes)   x      extensions dictionary
 *   r=a|b      reference to an object of type a or b (`*` = any SCO)
 *   R=a|b      list of such references
 *   o=struct   nested object of a type below   L=struct   list of such objects
 */

const COMMON =
  // §3.2 common properties. SCOs use type, id, spec_version, object_marking_refs,
  // granular_markings, defanged and extensions; the versioning ones (created, modified, revoked,
  // created_by_ref …) are tolerated on SCOs (A-3, S-055) and `file:created` appears in STIX §9.8.
  'type id spec_version object_marking_refs:l granular_markings:L=granular-marking defanged ' +
  'extensions:x created modified revoked created_by_ref labels:l confidence lang ' +
  'external_references:L=external-reference'

const TYPES: Readonly<Record<string, string>> = {
  artifact: 'mime_type payload_bin url hashes:h encryption_algorithm decryption_key',
  'autonomous-system': 'number name rir',
  directory: 'path path_enc ctime mtime atime contains_refs:R=file|directory',
  'domain-name': 'value resolves_to_refs:R=ipv4-addr|ipv6-addr|domain-name',
  'email-addr': 'value display_name belongs_to_ref:r=user-account',
  'email-message':
    'is_multipart date content_type from_ref:r=email-addr sender_ref:r=email-addr ' +
    'to_refs:R=email-addr cc_refs:R=email-addr bcc_refs:R=email-addr message_id subject ' +
    'received_lines:l additional_header_fields:d body body_multipart:L=email-mime-part ' +
    'raw_email_ref:r=artifact',
  file:
    'hashes:h size name name_enc magic_number_hex mime_type ctime mtime atime ' +
    'parent_directory_ref:r=directory contains_refs:R=* content_ref:r=artifact',
  'ipv4-addr': 'value resolves_to_refs:R=mac-addr belongs_to_refs:R=autonomous-system',
  'ipv6-addr': 'value resolves_to_refs:R=mac-addr belongs_to_refs:R=autonomous-system',
  'mac-addr': 'value',
  mutex: 'name',
  'network-traffic':
    'start end is_active src_ref:r=ipv4-addr|ipv6-addr|mac-addr|domain-name ' +
    'dst_ref:r=ipv4-addr|ipv6-addr|mac-addr|domain-name src_port dst_port protocols:l ' +
    'src_byte_count dst_byte_count src_packets dst_packets ipfix:d src_payload_ref:r=artifact ' +
    'dst_payload_ref:r=artifact encapsulates_refs:R=network-traffic ' +
    'encapsulated_by_ref:r=network-traffic',
  process:
    'is_hidden pid created_time cwd command_line environment_variables:d ' +
    'opened_connection_refs:R=network-traffic creator_user_ref:r=user-account image_ref:r=file ' +
    'parent_ref:r=process child_refs:R=process',
  software: 'name cpe swid languages:l vendor version',
  url: 'value',
  'user-account':
    'user_id credential account_login account_type display_name is_service_account ' +
    'is_privileged can_escalate_privs is_disabled account_created account_expires ' +
    'credential_last_changed account_first_login account_last_login',
  'windows-registry-key':
    'key values:L=windows-registry-value modified_time creator_user_ref:r=user-account ' +
    'number_of_subkeys',
  'x509-certificate':
    'is_self_signed hashes:h version serial_number signature_algorithm issuer ' +
    'validity_not_before validity_not_after subject subject_public_key_algorithm ' +
    'subject_public_key_modulus subject_public_key_exponent x509_v3_extensions:o=x509-v3-extensions',
}

const STRUCTS: Readonly<Record<string, string>> = {
  'granular-marking': 'lang marking_ref selectors:l',
  'external-reference': 'source_name description url hashes:h external_id',
  'email-mime-part': 'body body_raw_ref:r=artifact|file content_type content_disposition',
  'windows-registry-value': 'name data data_type',
  'x509-v3-extensions':
    'basic_constraints name_constraints policy_constraints key_usage extended_key_usage ' +
    'subject_key_identifier authority_key_identifier subject_alternative_name ' +
    'issuer_alternative_name subject_directory_attributes crl_distribution_points ' +
    'inhibit_any_policy private_key_usage_period_not_before private_key_usage_period_not_after ' +
    'certificate_policies policy_mappings',
  'alternate-data-stream': 'name hashes:h size',
  'windows-pe-optional-header':
    'magic_hex major_linker_version minor_linker_version size_of_code size_of_initialized_data ' +
    'size_of_uninitialized_data address_of_entry_point base_of_code base_of_data image_base ' +
    'section_alignment file_alignment major_os_version minor_os_version major_image_version ' +
    'minor_image_version major_subsystem_version minor_subsystem_version ' +
    'win32_version_value_hex size_of_image size_of_headers checksum_hex subsystem_hex ' +
    'dll_characteristics_hex size_of_stack_reserve size_of_stack_commit size_of_heap_reserve ' +
    'size_of_heap_commit loader_flags_hex number_of_rva_and_sizes hashes:h',
  'windows-pe-section': 'name size entropy hashes:h',
}

/** Predefined extensions (S-156): SCO type → extension name → its properties. */
const EXTENSIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  file: {
    'ntfs-ext': 'sid alternate_data_streams:L=alternate-data-stream',
    'raster-image-ext': 'image_height image_width bits_per_pixel exif_tags:d',
    'pdf-ext': 'version is_optimized document_info_dict:d pdfid0 pdfid1',
    'archive-ext': 'contains_refs:R=file|directory comment',
    'windows-pebinary-ext':
      'pe_type imphash machine_hex number_of_sections time_date_stamp ' +
      'pointer_to_symbol_table_hex number_of_symbols size_of_optional_header characteristics_hex ' +
      'file_header_hashes:h optional_header:o=windows-pe-optional-header ' +
      'sections:L=windows-pe-section',
  },
  'network-traffic': {
    'http-request-ext':
      'request_method request_value request_version request_header:d message_body_length ' +
      'message_body_data_ref:r=artifact',
    'icmp-ext': 'icmp_type_hex icmp_code_hex',
    'socket-ext':
      'address_family is_blocking is_listening options:d socket_type socket_descriptor ' +
      'socket_handle',
    'tcp-ext': 'src_flags_hex dst_flags_hex',
  },
  process: {
    // the STIX 2.1 text names it windows_title, the OASIS JSON schema and libraries window_title
    'windows-process-ext':
      'aslr_enabled dep_enabled priority owner_sid window_title windows_title startup_info:d ' +
      'integrity_level',
    'windows-service-ext':
      'service_name descriptions:l display_name group_name start_type service_dll_refs:R=file ' +
      'service_type service_status',
  },
  'user-account': {
    'unix-account-ext': 'gid groups:l home_dir shell',
  },
}

export type PropKind =
  | { kind: 'value' }
  | { kind: 'list'; of: PropKind }
  | { kind: 'dictionary' }
  | { kind: 'hashes' }
  | { kind: 'extensions' }
  /** `to` empty = any SCO type */
  | { kind: 'reference'; to: readonly string[] }
  | { kind: 'object'; struct: string; props: PropMap }

export type PropMap = ReadonlyMap<string, PropKind>

const VALUE: PropKind = { kind: 'value' }

let structCache: Map<string, PropMap> | undefined
let typeCache: Map<string, PropMap> | undefined
let extensionCache: Map<string, Map<string, PropMap>> | undefined
const extensionOwner = new Map<string, string>()

function compile(spec: string): Map<string, PropKind> {
  const out = new Map<string, PropKind>()
  for (const entry of spec.split(' ')) {
    if (entry === '') continue
    const colon = entry.indexOf(':')
    if (colon < 0) {
      out.set(entry, VALUE)
      continue
    }
    const name = entry.slice(0, colon)
    const code = entry.slice(colon + 1)
    const arg = code.slice(2)
    const refTo = arg === '*' ? [] : arg.split('|')
    let kind: PropKind
    switch (code.charAt(0)) {
      case 'l':
        kind = { kind: 'list', of: VALUE }
        break
      case 'd':
        kind = { kind: 'dictionary' }
        break
      case 'h':
        kind = { kind: 'hashes' }
        break
      case 'x':
        kind = { kind: 'extensions' }
        break
      case 'r':
        kind = { kind: 'reference', to: refTo }
        break
      case 'R':
        kind = { kind: 'list', of: { kind: 'reference', to: refTo } }
        break
      case 'o':
        kind = { kind: 'object', struct: arg, props: struct(arg) }
        break
      case 'L':
        kind = { kind: 'list', of: { kind: 'object', struct: arg, props: struct(arg) } }
        break
      default:
        throw new Error(`bad SCO catalogue entry ${entry}`)
    }
    out.set(name, kind)
  }
  return out
}

function struct(name: string): PropMap {
  structCache ??= new Map()
  let props = structCache.get(name)
  if (props === undefined) {
    const spec = STRUCTS[name]
    if (spec === undefined) throw new Error(`unknown SCO structure ${name}`)
    props = compile(spec)
    structCache.set(name, props)
  }
  return props
}

function types(): Map<string, PropMap> {
  if (typeCache === undefined) {
    typeCache = new Map()
    for (const [type, spec] of Object.entries(TYPES)) {
      typeCache.set(type, compile(`${COMMON} ${spec}`))
    }
  }
  return typeCache
}

function extensions(): Map<string, Map<string, PropMap>> {
  if (extensionCache === undefined) {
    extensionCache = new Map()
    for (const [type, exts] of Object.entries(EXTENSIONS)) {
      const m = new Map<string, PropMap>()
      for (const [name, spec] of Object.entries(exts)) {
        m.set(name, compile(spec))
        extensionOwner.set(name, type)
      }
      extensionCache.set(type, m)
    }
  }
  return extensionCache
}

export const SCO_TYPES: readonly string[] = Object.keys(TYPES)

export const isScoType = (type: string): boolean => Object.hasOwn(TYPES, type)

/** Properties of a STIX-defined SCO type (specific and common), or undefined. */
export const scoProperties = (type: string): PropMap | undefined => types().get(type)

/** Properties of a predefined extension of a type, or undefined. */
export const extensionProperties = (type: string, extension: string): PropMap | undefined =>
  extensions().get(type)?.get(extension)

/** The SCO type a predefined extension name belongs to, if it is one. */
export function predefinedExtensionOwner(extension: string): string | undefined {
  extensions()
  return extensionOwner.get(extension)
}
