"""The Asterisk modules Voco uses; ``modules.conf`` loads these and nothing else."""

CORE = (
    "res_sorcery_config.so", "res_sorcery_memory.so", "res_sorcery_astdb.so",
    "res_timing_timerfd.so", "res_musiconhold.so", "res_clioriginate.so",
    "res_security_log.so",  # security events reach the quiet logs (logger.conf "security")
    "pbx_config.so", "func_strings.so", "func_cut.so", "func_logic.so", "func_channel.so",
    "func_callerid.so", "func_cdr.so", "func_global.so", "func_db.so", "func_math.so",
    "func_vmcount.so", "func_uri.so", "func_sha1.so", "func_env.so", "func_dialplan.so",
    "app_dial.so", "app_playback.so", "app_playtones.so", "app_senddtmf.so", "app_read.so",
    "app_stack.so", "app_exec.so", "app_echo.so", "app_verbose.so", "app_userevent.so",
    "app_celgenuserevent.so", "app_mixmonitor.so", "app_record.so", "app_cdr.so",
    "app_confbridge.so", "app_queue.so", "app_voicemail.so", "app_minivm.so",
    "app_authenticate.so",
    "bridge_simple.so", "bridge_softmix.so", "bridge_holding.so", "bridge_native_rtp.so",
    "bridge_builtin_features.so", "bridge_builtin_interval_features.so",
    "codec_ulaw.so", "codec_alaw.so", "codec_gsm.so", "codec_resample.so", "codec_g722.so",
    "format_wav.so", "format_gsm.so", "format_pcm.so", "format_sln.so", "format_wav_gsm.so",
    "cdr_manager.so", "cdr_csv.so", "cel_manager.so", "res_manager_devicestate.so",
)
ARI = (
    "res_http_websocket.so", "res_websocket_client.so", "res_stasis.so",
    "res_stasis_answer.so", "res_stasis_playback.so", "res_stasis_recording.so",
    "res_stasis_snoop.so", "res_stasis_device_state.so", "app_stasis.so",
    "res_ari.so", "res_ari_model.so", "res_ari_asterisk.so", "res_ari_channels.so",
    "res_ari_bridges.so", "res_ari_events.so", "res_ari_applications.so",
    "res_ari_endpoints.so", "res_ari_recordings.so", "res_ari_playbacks.so",
    "res_ari_sounds.so", "res_ari_device_states.so",
)
PJSIP = (
    "res_pjproject.so", "res_rtp_asterisk.so", "res_srtp.so", "res_pjsip.so",
    "res_pjsip_session.so", "chan_pjsip.so", "res_pjsip_authenticator_digest.so",
    "res_pjsip_outbound_authenticator_digest.so", "res_pjsip_endpoint_identifier_user.so",
    "res_pjsip_endpoint_identifier_ip.so", "res_pjsip_registrar.so",
    "res_pjsip_outbound_registration.so", "res_pjsip_sdp_rtp.so", "res_pjsip_caller_id.so",
    "res_pjsip_dtmf_info.so", "res_pjsip_nat.so", "res_pjsip_rfc3326.so", "res_pjsip_refer.so",
    "res_pjsip_pubsub.so", "res_pjsip_transport_websocket.so", "res_pjsip_acl.so",
    "res_format_attr_opus.so", "codec_opus_open_source.so",  # what browsers speak (WebRTC)
    "res_pjsip_mwi.so", "res_pjsip_mwi_body_generator.so",
    "res_pjsip_header_funcs.so",  # PJSIP_HEADER: X-Voco-Call over Voco peer trunks
)

ALL = CORE + ARI + PJSIP
