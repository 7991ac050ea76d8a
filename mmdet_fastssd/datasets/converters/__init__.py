"""Converters from annotation-tool folders to MMDetection's layouts."""
from .labelimg_check import FileRecord, FolderReport, check_folder
from .labelimg_to_voc import coco_dict, split_ids, voc_xml, write_dataset

__all__ = ['FileRecord', 'FolderReport', 'check_folder', 'coco_dict',
           'split_ids', 'voc_xml', 'write_dataset']
